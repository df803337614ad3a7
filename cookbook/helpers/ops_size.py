def ops_size(input, dim=None):
    """torch Tensor.size(): the shape tuple, or one dimension's length."""
    return input.shape if dim is None else input.shape[dim]
