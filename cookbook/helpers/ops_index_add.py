def ops_index_add(input, dim, index, source, alpha=1):
    """torch.index_add: out = input, then out.select(dim, index[i]) += alpha * source.select(dim, i),
    summing repeated indices."""
    dim = dim % input.ndim
    values = source if alpha == 1 else source * alpha
    return input.at[(slice(None),) * dim + (index,)].add(values)
