def c2m_get_parameter(module, target, private=False):
    """torch's Module.get_parameter(target) (and get_buffer, `private=True`): the array at a dotted path of torch's
    names, read on MLX's module (c2m_get_submodule walks the path). A non-persistent buffer is private in the port
    (`_name`); any other buffer is a parameter of MLX's module. Raises AttributeError as torch's does when there is
    no such array."""
    path, _, name = target.rpartition(".")
    owner = c2m_get_submodule(module, path)
    for key in ((f"_{name}", name) if private else (name,)):
        value = owner.get(key) if isinstance(owner, dict) else getattr(owner, key, None)
        if isinstance(value, mx.array):
            return value
    raise AttributeError(f"{type(owner).__name__} has no {'buffer' if private else 'parameter'} `{name}`")
