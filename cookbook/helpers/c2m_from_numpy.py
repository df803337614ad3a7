def c2m_from_numpy(value):
    """A numpy value (the port of torch's `.numpy()`) where it meets MLX again: torch takes a numpy array wherever a
    tensor goes and a numpy scalar wherever an int does; MLX indexes with no numpy array and sizes with no numpy
    scalar, so an array becomes an mx.array and a scalar a Python number. Any other value passes unchanged."""
    if type(value).__module__ != "numpy":
        return value
    return value.item() if value.ndim == 0 else mx.array(value)
