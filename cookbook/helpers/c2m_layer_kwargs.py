def c2m_layer_kwargs(kwargs):
    """Keyword arguments forwarded to an MLX layer's constructor through **kwargs, less torch's factory
    keywords (device, dtype, ...): MLX layers have no device (unified memory) and are cast as a whole."""
    return {k: v for k, v in kwargs.items() if k not in ("device", "dtype", "layout", "requires_grad", "pin_memory", "memory_format")}
