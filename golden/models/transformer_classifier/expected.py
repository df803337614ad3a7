"""A text classifier: token + learned position embeddings, a Transformer encoder, masked mean pooling."""
import math

import mlx.core as mx
import mlx.nn as nn
import re


class TransformerEncoder(nn.Module):
    """torch.nn.TransformerEncoder: num_layers copies of encoder_layer (keys layers.N.*), then the optional norm."""

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True):
        super().__init__()
        if not hasattr(encoder_layer, "_clone"):
            raise TypeError("TransformerEncoder: encoder_layer must be a TransformerEncoderLayer (the c2m helper), which it copies")
        self.layers = [encoder_layer._clone() for _ in range(num_layers)]
        self.norm = norm

    def __call__(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=bool(is_causal))
        return x if self.norm is None else self.norm(x)


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


class TransformerEncoderLayer(nn.Module):
    """torch.nn.TransformerEncoderLayer with torch's arguments and submodule names (self_attn, linear1, linear2, norm1, norm2)."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True):
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first)
        self.linear1 = nn.Linear(d_model, dim_feedforward, bias=bias)
        self.dropout = nn.Dropout(dropout)
        self.linear2 = nn.Linear(dim_feedforward, d_model, bias=bias)
        self.norm_first = norm_first
        self.norm1 = nn.LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.norm2 = nn.LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.activation = {"relu": nn.relu, "gelu": nn.gelu}[activation] if isinstance(activation, str) else activation
        # TransformerEncoder stacks fresh copies of this layer (torch deep-copies it)
        self._clone = lambda: TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first, norm_first, bias)

    def _sa_block(self, x, mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=mask, key_padding_mask=key_padding_mask, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def __call__(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x


def c2m_apply_weight_map(weights, rules):
    """Turn a torch state_dict (a dict of mx.array) into this module's MLX parameters.

    Each rule is (torch pattern(s), mlx pattern(s) or None, op, *args); '*' matches one dotted
    segment, '**' one or more and '#' one segment of digits (a position in a Sequential or
    ModuleList), and their captures fill the MLX key(s) in order. The first rule whose (first) torch
    pattern matches a key handles it; keys no rule matches pass through unchanged (BatchNorm's
    num_batches_tracked, which no MLX layer holds, aside).
    """
    def as_tuple(p):
        return () if p is None else (p,) if isinstance(p, str) else tuple(p)

    def fill(pattern, caps):
        parts = re.split(r"\*\*?|#", pattern)
        return parts[0] + "".join(c + p for c, p in zip(caps, parts[1:]))

    def regex_of(pattern):
        pieces = re.split(r"(\*\*|\*|#)", pattern)
        wildcards = {"**": "(.+)", "*": "([^.]+)", "#": r"(\d+)"}
        return re.compile("^" + "".join(wildcards.get(p) or re.escape(p) for p in pieces) + "$")

    compiled = []
    for torch_keys, mlx_keys, op, *args in rules:
        torch_keys, mlx_keys = as_tuple(torch_keys), as_tuple(mlx_keys)
        regex = regex_of(torch_keys[0])
        compiled.append((regex, torch_keys, mlx_keys, op, args))

    handled, consumed = {}, set()
    for key in weights:
        for rule in compiled:
            m = rule[0].match(key)
            if m:
                handled[key] = (rule, m.groups())
                consumed.update(fill(extra, m.groups()) for extra in rule[1][1:])
                break

    out = {}
    for key, w in weights.items():
        if key in consumed:
            continue  # summed into another key's output
        if key not in handled:
            if not key.endswith("num_batches_tracked"):  # BatchNorm's step counter: no MLX layer holds one
                out[key] = w
            continue
        (_, torch_keys, mlx_keys, op, args), caps = handled[key]
        targets = [fill(p, caps) for p in mlx_keys]
        if op == "drop":
            continue
        if op in ("conv", "conv_transpose") and w.ndim < 3:
            pass  # not a conv weight: a norm at a position that holds a conv in other instances
        elif op == "conv":  # torch (O, I, *K) -> MLX (O, *K, I)
            w = mx.moveaxis(w, 1, -1)
        elif op == "conv_transpose":  # torch (I, O, *K) -> MLX (O, *K, I)
            w = w.transpose(list(range(1, w.ndim)) + [0])
        elif op == "linear_nhwc":  # columns c*S + s -> s*C + c (Linear after a channels-last flatten)
            c = args[0]
            s = args[1] if len(args) > 1 else w.shape[1] // c
            w = w.reshape(w.shape[0], c, s).swapaxes(1, 2).reshape(w.shape[0], c * s)
        elif op == "split":
            for name, part in zip(targets, mx.split(w, len(targets), axis=args[0])):
                out[name] = part
            continue
        elif op == "sum":
            for extra in torch_keys[1:]:
                w = w + weights[fill(extra, caps)]
        elif op != "identity":
            raise ValueError(f"c2m weight map: unknown op {op!r}")
        out[targets[0]] = w
    return out


class TransformerClassifier(nn.Module):
    """Classifies a sequence of token ids; padding tokens (``pad_idx``) are left out of the pooling."""

    def __init__(self, vocab_size, num_classes, d_model=64, nhead=4, num_layers=2,
                 dim_feedforward=128, dropout=0.1, max_len=128, pad_idx=0):
        super().__init__()
        self.d_model = d_model
        self.pad_idx = pad_idx
        self.embedding = nn.Embedding(vocab_size, d_model)
        self.pos_embedding = nn.Embedding(max_len, d_model)
        encoder_layer = TransformerEncoderLayer(d_model, nhead, dim_feedforward=dim_feedforward, dropout=dropout, batch_first=True)
        self.encoder = TransformerEncoder(encoder_layer, num_layers)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(d_model, num_classes)

    def __call__(self, src):
        # src: (batch, seq_len) token ids
        positions = mx.expand_dims(mx.arange(src.shape[1]), 0)
        x = self.embedding(src) * math.sqrt(self.d_model) + self.pos_embedding(positions)
        x = self.encoder(x)

        # mean over the non-padding positions
        mask = mx.expand_dims((src != self.pad_idx), -1)
        x = mx.where(~mask, 0.0, x).astype(x.dtype)
        x = mx.sum(x, axis=1) / mx.clip(mx.sum(mask, axis=1), 1, None)

        x = self.dropout(x)
        return self.classifier(x)

    def sanitize(self, weights):
        """Convert a torch state_dict (as MLX arrays) to this module's parameters."""
        return c2m_apply_weight_map(weights, C2M_WEIGHT_MAPS["TransformerClassifier"])


# c2m: torch state_dict keys and layouts -> MLX parameters (read by `c2m weights --map` and sanitize())
C2M_TOP_LEVEL = "TransformerClassifier"
C2M_WEIGHT_MAPS = {
    "TransformerClassifier": [
        ("encoder.layers.*.self_attn.in_proj_weight", ("encoder.layers.*.self_attn.query_proj.weight", "encoder.layers.*.self_attn.key_proj.weight", "encoder.layers.*.self_attn.value_proj.weight"), "split", 0),
        ("encoder.layers.*.self_attn.in_proj_bias", ("encoder.layers.*.self_attn.query_proj.bias", "encoder.layers.*.self_attn.key_proj.bias", "encoder.layers.*.self_attn.value_proj.bias"), "split", 0),
        ("encoder.layers.*.self_attn.q_proj_weight", "encoder.layers.*.self_attn.query_proj.weight", "identity"),
        ("encoder.layers.*.self_attn.k_proj_weight", "encoder.layers.*.self_attn.key_proj.weight", "identity"),
        ("encoder.layers.*.self_attn.v_proj_weight", "encoder.layers.*.self_attn.value_proj.weight", "identity"),
    ],
}
