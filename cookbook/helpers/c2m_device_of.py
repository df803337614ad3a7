def c2m_device_of(value):
    """`x.device` where c2m cannot tell what x is: an object's own `device` when it has one (a transformers model's
    property), else, for an MLX array (which has none: one unified memory), MLX's default device, as `x.device`
    of a known tensor is translated."""
    if hasattr(value, "device"):
        return value.device
    mx = __import__("mlx.core").core  # the file may not import MLX itself
    if isinstance(value, mx.array):
        return mx.default_device()
    raise AttributeError(f"{type(value).__name__!r} object has no attribute 'device'")
