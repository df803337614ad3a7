def ops_multi_head_attention_forward(
    query,
    key,
    value,
    embed_dim_to_check,
    num_heads,
    in_proj_weight,
    in_proj_bias,
    bias_k,
    bias_v,
    add_zero_attn,
    dropout_p,
    out_proj_weight,
    out_proj_bias,
    training=True,
    key_padding_mask=None,
    need_weights=True,
    attn_mask=None,
    use_separate_proj_weight=False,
    q_proj_weight=None,
    k_proj_weight=None,
    v_proj_weight=None,
    static_k=None,
    static_v=None,
    average_attn_weights=True,
    is_causal=False,
):
    """torch F.multi_head_attention_forward on torch's layout: query (L, N, E), key and value (S, N, E), or unbatched
    (L, E). The projections are torch's packed in_proj_weight (3E, E) split in three, or the separate
    q/k/v_proj_weight; in_proj_bias (3E,) likewise. q is scaled by head_dim ** -0.5 before the scores. A boolean
    attn_mask or key_padding_mask marks the positions NOT attended (True = masked), as torch's; a float one is
    added to the scores; attn_mask is (L, S) or (N * heads, L, S). Returns (output (L, N, E), weights): weights
    (N, L, S) averaged over heads (or (N, heads, L, S)), None unless need_weights. Dropout on the weights runs in
    training only, as torch's."""
    if static_k is not None or static_v is not None:
        raise NotImplementedError("c2m: multi_head_attention_forward with static_k/static_v is not ported")
    unbatched = query.ndim == 2
    if unbatched:
        query, key, value = query[:, None], key[:, None], value[:, None]
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask[None]
    tgt_len, bsz, embed_dim = query.shape
    head_dim = embed_dim // num_heads
    if use_separate_proj_weight:
        w_q, w_k, w_v = q_proj_weight, k_proj_weight, v_proj_weight
    else:
        w_q, w_k, w_v = mx.split(in_proj_weight, 3, axis=0)
    b_q, b_k, b_v = mx.split(in_proj_bias, 3) if in_proj_bias is not None else (None, None, None)

    def project(x, w, b):
        y = x @ w.T
        return y + b if b is not None else y

    q, k, v = project(query, w_q, b_q), project(key, w_k, b_k), project(value, w_v, b_v)

    def as_float_mask(mask):
        if mask is None or mask.dtype != mx.bool_:
            return mask
        return mx.where(mask, mx.array(-mx.inf, dtype=q.dtype), mx.array(0.0, dtype=q.dtype))

    attn_mask = as_float_mask(attn_mask)
    key_padding_mask = as_float_mask(key_padding_mask)
    if is_causal and attn_mask is None:
        attn_mask = mx.triu(mx.full((tgt_len, key.shape[0]), -mx.inf, dtype=q.dtype), k=1)

    def pad_last(mask):
        return None if mask is None else mx.pad(mask, [(0, 0)] * (mask.ndim - 1) + [(0, 1)])

    if bias_k is not None and bias_v is not None:
        k = mx.concatenate([k, mx.broadcast_to(bias_k.reshape(1, 1, -1), (1, bsz, embed_dim))], axis=0)
        v = mx.concatenate([v, mx.broadcast_to(bias_v.reshape(1, 1, -1), (1, bsz, embed_dim))], axis=0)
        attn_mask, key_padding_mask = pad_last(attn_mask), pad_last(key_padding_mask)
    # (L, N, E) -> (N * heads, L, head_dim), as torch's
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(1, 0, 2)
    k = k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(1, 0, 2)
    v = v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(1, 0, 2)
    if add_zero_attn:
        k = mx.concatenate([k, mx.zeros((k.shape[0], 1, head_dim), dtype=k.dtype)], axis=1)
        v = mx.concatenate([v, mx.zeros((v.shape[0], 1, head_dim), dtype=v.dtype)], axis=1)
        attn_mask, key_padding_mask = pad_last(attn_mask), pad_last(key_padding_mask)
    src_len = k.shape[1]
    scores = (q * head_dim**-0.5) @ k.transpose(0, 2, 1)
    if attn_mask is not None:
        scores = scores + (attn_mask[None] if attn_mask.ndim == 2 else attn_mask)
    if key_padding_mask is not None:
        scores = (scores.reshape(bsz, num_heads, tgt_len, src_len) + key_padding_mask[:, None, None, :]).reshape(bsz * num_heads, tgt_len, src_len)
    weights = mx.softmax(scores, axis=-1)
    if training and dropout_p > 0.0:
        weights = weights * mx.random.bernoulli(1.0 - dropout_p, weights.shape) / (1.0 - dropout_p)
    out = (weights @ v).transpose(1, 0, 2).reshape(tgt_len, bsz, embed_dim)
    out = project(out, out_proj_weight, out_proj_bias)
    if unbatched:
        out = out[:, 0]
    if not need_weights:
        return out, None
    weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
    if average_attn_weights:
        weights = weights.mean(axis=1)
    return out, (weights[0] if unbatched else weights)
