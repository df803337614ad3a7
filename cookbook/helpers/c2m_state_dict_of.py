def c2m_state_dict_of(value):
    """torch's `x.state_dict()` where x may be a module (or a ModuleList, MLX's plain list) or another object with a
    state_dict (an optimizer): a module's arrays by name, as c2m_named_parameters_of names them; any other object's own."""
    mlx = __import__("mlx.nn")  # the package and its nn loaded (the file may not import MLX itself)
    if isinstance(value, (mlx.nn.Module, list, tuple)):
        return dict(c2m_named_parameters_of(value))
    return value.state_dict()
