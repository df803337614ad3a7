def c2m_contains(container, value):
    """`value in container` as torch reads it: for an array, whether any element equals value (torch's
    Tensor.__contains__); an mx.array has no __contains__, and Python's fallback iterates its rows. Anything
    else (a list, a dict, a string) answers as Python does."""
    mx = __import__("mlx.core").core  # the file may not import MLX itself
    if isinstance(container, mx.array):
        return bool(mx.any(container == value).item())
    return value in container
