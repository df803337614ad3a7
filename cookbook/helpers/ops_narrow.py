def ops_narrow(input, dim, start, length):
    """torch.narrow: `length` elements from `start` (negative counts from the end) along `dim`."""
    dim = dim % input.ndim
    start = start % input.shape[dim] if start < 0 else start
    return input[(slice(None),) * dim + (slice(start, start + length),)]
