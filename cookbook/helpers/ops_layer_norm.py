def ops_layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """torch F.layer_norm over the last len(normalized_shape) axes (mx.fast.layer_norm does one axis)."""
    n_axes = 1 if isinstance(normalized_shape, int) else len(normalized_shape)
    if n_axes == 1:
        return mx.fast.layer_norm(input, weight, bias, eps)
    axes = tuple(range(-n_axes, 0))
    mean = mx.mean(input, axis=axes, keepdims=True)
    out = (input - mean) * mx.rsqrt(mx.var(input, axis=axes, keepdims=True) + eps)
    if weight is not None:
        out = out * weight
    return out if bias is None else out + bias
