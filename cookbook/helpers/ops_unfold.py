def ops_unfold(input, dimension, size, step):
    """torch Tensor.unfold: every window of `size` elements, `step` apart, along `dimension`; the windows
    replace that dimension and their elements go on a new last axis."""
    dimension = dimension % input.ndim
    count = (input.shape[dimension] - size) // step + 1
    index = mx.arange(count).reshape(-1, 1) * step + mx.arange(size)
    windows = mx.take(input, index.reshape(-1), axis=dimension)
    shape = input.shape[:dimension] + (count, size) + input.shape[dimension + 1:]
    return mx.moveaxis(windows.reshape(shape), dimension + 1, -1)
