def ops_randint(*args, dtype=None):
    """torch.randint(high, size) or torch.randint(low, high, size): integers in [low, high)."""
    low, high, size = (0, *args) if len(args) == 2 else args
    return mx.random.randint(low, high, tuple(size), dtype=dtype or mx.int32)
