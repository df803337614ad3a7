def c2m_register_buffer(module, name, value, persistent=True):
    """torch's register_buffer where whether the buffer is persistent is known only at run time. A persistent one
    is a public attribute: a parameter of the MLX module, loaded from the state dict, and frozen (a buffer is not
    trained). A non-persistent one is not in torch's state dict: it is kept out of the MLX module's parameters (an
    instance attribute, which Module's parameter tree does not walk), under the same name."""
    if persistent:
        setattr(module, name, value)
        module.freeze(keys=[name], recurse=False)
    else:
        object.__setattr__(module, name, value)
