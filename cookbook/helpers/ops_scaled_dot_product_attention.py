def ops_scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False):
    """torch F.scaled_dot_product_attention on (B, heads, L, D) inputs via mx.fast. A boolean mask marks
    the allowed positions (True = attend), as in torch; a float mask is added to the scores. torch's
    causal mask is aligned top-left, MLX's "causal" bottom-right: they agree only when L == S."""
    if scale is None:
        scale = query.shape[-1] ** -0.5
    mask = attn_mask
    if is_causal:
        q_len, k_len = query.shape[-2], key.shape[-2]
        mask = "causal" if q_len == k_len else mx.tril(mx.ones((q_len, k_len), dtype=mx.bool_))
    return mx.fast.scaled_dot_product_attention(query, key, value, scale=scale, mask=mask)
