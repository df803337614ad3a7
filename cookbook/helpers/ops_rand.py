def ops_rand(*size, dtype=None):
    """torch.rand: uniform samples in [0, 1); the shape may be given as separate ints or one sequence."""
    if len(size) == 1 and not isinstance(size[0], int):
        size = tuple(size[0])
    return mx.random.uniform(0.0, 1.0, size, dtype=dtype or mx.float32)
