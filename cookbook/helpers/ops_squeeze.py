def ops_squeeze(input, dim=None):
    """torch.squeeze: without `dim` every axis of size 1 goes; with `dim` (an int or a tuple of them) only those of
    its axes that have size 1. torch leaves an axis of another size as it is, where MLX's squeeze raises."""
    if dim is None:
        return mx.squeeze(input)
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    ones = tuple(d for d in dims if input.shape[d] == 1)
    return mx.squeeze(input, axis=ones) if ones else input
