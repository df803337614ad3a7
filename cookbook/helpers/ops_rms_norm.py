def ops_rms_norm(input, normalized_shape, weight=None, eps=None):
    """torch F.rms_norm over the last len(normalized_shape) axes; eps None means the dtype's machine
    epsilon, as torch. mx.fast.rms_norm does the one-axis case."""
    if eps is None:
        eps = mx.finfo(input.dtype).eps
    n_axes = 1 if isinstance(normalized_shape, int) else len(normalized_shape)
    if n_axes == 1:
        return mx.fast.rms_norm(input, weight, eps)
    axes = tuple(range(-n_axes, 0))
    out = input * mx.rsqrt(mx.mean(input * input, axis=axes, keepdims=True) + eps)
    return out if weight is None else out * weight
