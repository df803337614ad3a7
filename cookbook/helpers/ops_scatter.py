def ops_scatter(input, dim, index, src=None, value=None, reduce=None):
    """torch.scatter: out = input with out[..., index[i], ...] = src[i] along `dim` (src may be larger
    than index: its leading part is used, as torch does; or a scalar `value`)."""
    dim = dim % input.ndim
    if src is None or not isinstance(src, mx.array):
        values = mx.full(index.shape, value if src is None else src, dtype=input.dtype)
    else:
        values = src[tuple(slice(0, s) for s in index.shape)].astype(input.dtype)
    return mx.put_along_axis(input, index, values, axis=dim)
