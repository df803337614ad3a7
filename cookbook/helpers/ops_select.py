def ops_select(input, dim, index):
    """torch.select: the slice at `index` (negative counts from the end) along `dim`, which is removed."""
    dim = dim % input.ndim
    return input[(slice(None),) * dim + (index,)]
