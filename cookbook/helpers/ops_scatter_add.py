def ops_scatter_add(input, dim, index, src):
    """torch.scatter_add: out = input, then out[..., index[i], ...] += src[i] along `dim`, summing
    repeated indices (MLX's .at[].add accumulates them)."""
    dim = dim % input.ndim
    grids = list(mx.meshgrid(*(mx.arange(s) for s in index.shape), indexing="ij"))
    grids[dim] = index
    values = src[tuple(slice(0, s) for s in index.shape)].astype(input.dtype)
    return input.at[tuple(grids)].add(values)
