def ops_norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """torch.norm / torch.linalg.vector_norm: the p-norm of the elements over `dim` (all when None);
    'fro' is the 2-norm of the elements."""
    x = mx.abs(input if dtype is None else input.astype(dtype))
    if p in ("fro", 2, 2.0):
        return mx.sqrt(mx.sum(x * x, axis=dim, keepdims=keepdim))
    if p == float("inf"):
        return mx.max(x, axis=dim, keepdims=keepdim)
    if p == float("-inf"):
        return mx.min(x, axis=dim, keepdims=keepdim)
    if p == 0:
        return mx.sum(x != 0, axis=dim, keepdims=keepdim).astype(x.dtype)
    if p == 1:
        return mx.sum(x, axis=dim, keepdims=keepdim)
    if isinstance(p, str):
        raise ValueError(f"norm: p={p!r} has no MLX translation")
    return mx.power(mx.sum(mx.power(x, p), axis=dim, keepdims=keepdim), 1.0 / p)
