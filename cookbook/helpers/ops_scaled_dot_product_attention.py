def ops_scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False):
    """torch F.scaled_dot_product_attention via mx.fast (which wants (B, heads, L, D): fewer leading axes
    are added here and removed after; more, as torch allows (hiera's windows: (B, heads, windows, L, D)), are
    broadcast together, folded into B and unfolded after). A boolean mask marks the allowed positions
    (True = attend), as in torch, and a query allowed none gives zeros, as in torch; a float mask is added to
    the scores. torch's causal mask is aligned top-left, MLX's "causal" bottom-right: they agree only when
    L == S, otherwise the top-left mask is built here."""
    if scale is None:
        scale = query.shape[-1] ** -0.5
    missing = 4 - query.ndim
    if missing > 0:
        lead = tuple(range(missing))
        query, key, value = (mx.expand_dims(t, lead) for t in (query, key, value))
    mask = attn_mask
    if is_causal:
        q_len, k_len = query.shape[-2], key.shape[-2]
        mask = "causal" if q_len == k_len else mx.tril(mx.ones((q_len, k_len), dtype=mx.bool_))
    batch = query.shape[:-3]
    if missing < 0:
        fold = lambda t: mx.broadcast_to(t, batch + t.shape[-3:]).reshape(-1, *t.shape[-3:])
        if isinstance(mask, mx.array):
            mask = fold(mask.reshape((1,) * (query.ndim - mask.ndim) + mask.shape))
        query, key, value = fold(query), fold(key), fold(value)
    out = mx.fast.scaled_dot_product_attention(query, key, value, scale=scale, mask=mask)
    if isinstance(mask, mx.array) and mask.dtype == mx.bool_:
        # a query allowed no key: torch gives zeros, MLX the mean of the values
        out = mx.where(mask.any(axis=-1, keepdims=True), out, mx.zeros_like(out))
    if missing < 0:
        return out.reshape(batch + out.shape[-3:])
    return out.reshape(out.shape[missing:]) if missing > 0 else out
