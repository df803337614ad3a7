def c2m_data_of(value):
    """`x.data` where c2m cannot tell what x is: an MLX array is already only its values (torch's autograd-free view
    of a tensor is the array itself, so an in-place update through it reaches the parameter); any other object's
    own `data`."""
    mx = __import__("mlx.core").core  # the file may not import MLX itself
    if isinstance(value, mx.array):
        return value
    return value.data
