class MultiheadAttention(nn.Module):
    """torch.nn.MultiheadAttention with torch's constructor and call, on mx.fast.scaled_dot_product_attention.

    torch packs the q, k, v projections into in_proj_weight (3E, E) / in_proj_bias: the weight map
    splits them into query_proj, key_proj, value_proj. Returns (output, None): attention weights
    are never materialised. Dropout on the attention weights is not applied. torch's attributes are kept:
    the packed in_proj_weight / in_proj_bias (or q/k/v_proj_weight) read and assigned through the three
    projections (CLIP's initialize_parameters: nn.init.normal_(attn.in_proj_weight, std=...)), embed_dim,
    head_dim, the absent bias_k / bias_v.
    """

    # torch's packed names -> (the projections' attribute, which projections: None = all three, packed)
    _PACKED = {
        "in_proj_weight": ("weight", None),
        "in_proj_bias": ("bias", None),
        "q_proj_weight": ("weight", "query_proj"),
        "k_proj_weight": ("weight", "key_proj"),
        "v_proj_weight": ("weight", "value_proj"),
    }

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False, kdim=None, vdim=None, batch_first=False):
        super().__init__()
        if add_bias_kv or add_zero_attn:
            raise ValueError("MultiheadAttention: add_bias_kv and add_zero_attn are not supported")
        self.num_heads = num_heads
        self.batch_first = batch_first
        self.embed_dim = embed_dim
        self.kdim = kdim or embed_dim
        self.vdim = vdim or embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.head_dim = embed_dim // num_heads
        self.dropout = dropout
        self.add_zero_attn = add_zero_attn
        self.bias_k = self.bias_v = None
        self.query_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.key_proj = nn.Linear(kdim or embed_dim, embed_dim, bias=bias)
        self.value_proj = nn.Linear(vdim or embed_dim, embed_dim, bias=bias)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)

    def __call__(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None, average_attn_weights=True, is_causal=False):
        unbatched = query.ndim == 2
        if unbatched:
            query, key, value = query[None], key[None], value[None]
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask[None]
        elif not self.batch_first:
            query, key, value = (t.swapaxes(0, 1) for t in (query, key, value))
        B, L, _ = query.shape
        S = key.shape[1]
        H = self.num_heads
        # (B, L, E) -> (B, heads, L, head_dim)
        q = self.query_proj(query).reshape(B, L, H, -1).transpose(0, 2, 1, 3)
        k = self.key_proj(key).reshape(B, S, H, -1).transpose(0, 2, 1, 3)
        v = self.value_proj(value).reshape(B, S, H, -1).transpose(0, 2, 1, 3)

        # torch's masks: bool True = may not attend, or float added to the scores
        mask = None
        if attn_mask is not None:
            # (L, S), or (B*heads, L, S)
            mask = attn_mask if attn_mask.ndim == 2 else attn_mask.reshape(B, H, L, S)
        elif is_causal:
            mask = mx.triu(mx.ones((L, S), dtype=mx.bool_), k=1)
        if key_padding_mask is not None:
            pad = key_padding_mask.reshape(B, 1, 1, S)
            if mask is None:
                mask = pad
            elif mask.dtype == mx.bool_ and pad.dtype == mx.bool_:
                mask = mask | pad
            else:
                mask = self._additive(mask, q.dtype) + self._additive(pad, q.dtype)
        if mask is not None and mask.dtype == mx.bool_:
            mask = ~mask  # MLX: True = may attend

        out = mx.fast.scaled_dot_product_attention(q, k, v, scale=q.shape[-1] ** -0.5, mask=mask)
        out = self.out_proj(out.transpose(0, 2, 1, 3).reshape(B, L, -1))
        if unbatched:
            return out[0], None
        return (out if self.batch_first else out.swapaxes(0, 1)), None

    def _packed(self, key):
        """The projections' parameters a torch name stands for, or None where torch has no such parameter."""
        attr, which = self._PACKED[key]
        if which is not None:
            return None if self._qkv_same_embed_dim else [getattr(self, which)]
        projections = [self.query_proj, self.key_proj, self.value_proj]
        if (attr == "weight" and not self._qkv_same_embed_dim) or attr not in self.query_proj:
            return None
        return projections

    def __getattr__(self, key):
        if key in MultiheadAttention._PACKED:
            projections = self._packed(key)
            attr = self._PACKED[key][0]
            return None if projections is None else mx.concatenate([getattr(p, attr) for p in projections], axis=0)
        return super().__getattr__(key)

    def __setattr__(self, key, value):
        if key not in MultiheadAttention._PACKED:
            return super().__setattr__(key, value)
        projections = self._packed(key)
        if projections is None:
            raise AttributeError(f"MultiheadAttention: torch has no {key} with these dimensions")
        attr = self._PACKED[key][0]
        for p, part in zip(projections, mx.split(value, len(projections), axis=0)):
            setattr(p, attr, part)

    @staticmethod
    def _additive(mask, dtype):
        if mask.dtype == mx.bool_:
            return mx.where(mask, mx.array(-mx.inf, dtype), mx.array(0, dtype))
        return mask.astype(dtype)
