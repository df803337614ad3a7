def c2m_get_submodule(module, target):
    """torch's Module.get_submodule(target): the module at a dotted path of torch's names ("h.0.attn"). MLX's Module
    holds its children as dict items; a torch ModuleList is a list (its items named "0", "1", ...), a Sequential keeps
    them in .layers."""
    if target == "":
        return module
    for part in target.split("."):
        if isinstance(module, nn.Sequential) and part.isdigit():
            module = module.layers[int(part)]
        elif isinstance(module, (list, tuple)):
            module = module[int(part)]
        elif isinstance(module, dict) and part in module:
            module = module[part]
        elif hasattr(module, part):
            module = getattr(module, part)
        else:
            raise AttributeError(f"{type(module).__name__} has no attribute `{part}`")
    return module
