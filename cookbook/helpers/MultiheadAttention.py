class MultiheadAttention(nn.Module):
    """torch.nn.MultiheadAttention with torch's constructor and call, on mx.fast.scaled_dot_product_attention.

    torch packs the q, k, v projections into in_proj_weight (3E, E) / in_proj_bias: the weight map
    splits them into query_proj, key_proj, value_proj. Returns (output, None): attention weights
    are never materialised. Dropout on the attention weights is not applied.
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False, kdim=None, vdim=None, batch_first=False):
        super().__init__()
        if add_bias_kv or add_zero_attn:
            raise ValueError("MultiheadAttention: add_bias_kv and add_zero_attn are not supported")
        self.num_heads = num_heads
        self.batch_first = batch_first
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

    @staticmethod
    def _additive(mask, dtype):
        if mask.dtype == mx.bool_:
            return mx.where(mask, mx.array(-mx.inf, dtype), mx.array(0, dtype))
        return mask.astype(dtype)
