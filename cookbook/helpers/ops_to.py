def ops_to(input, *args, dtype=None, **device_options):
    """torch Tensor.to: only a dtype (given, or taken from a tensor argument) changes anything; devices,
    non_blocking, copy and memory_format mean nothing in MLX (unified memory)."""
    for arg in args:
        if isinstance(arg, mx.Dtype):
            dtype = arg
        elif isinstance(arg, mx.array):
            dtype = arg.dtype
    return input if dtype is None else input.astype(dtype)
