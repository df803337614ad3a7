def ops_normalize(input, p=2.0, dim=1, eps=1e-12):
    """torch F.normalize: input / max(||input||_p over dim, eps)."""
    x = mx.abs(input)
    if p == 2 or p == 2.0:
        norm = mx.sqrt(mx.sum(x * x, axis=dim, keepdims=True))
    else:
        norm = mx.power(mx.sum(mx.power(x, p), axis=dim, keepdims=True), 1.0 / p)
    return input / mx.maximum(norm, eps)
