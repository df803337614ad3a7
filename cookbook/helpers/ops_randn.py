def ops_randn(*size, dtype=None):
    """torch.randn: standard normal samples; the shape may be given as separate ints or one sequence."""
    if len(size) == 1 and not isinstance(size[0], int):
        size = tuple(size[0])
    return mx.random.normal(size, dtype=dtype or mx.float32)
