def c2m_add_module(target, name, module):
    """torch's `x.add_module(name, module)` where x may be a torch ModuleList, which MLX holds as a plain list (BiT's
    encoder fills `nn.ModuleList([])` by `add_module(str(stage_idx), stage)`): a list takes the module at index `name`,
    appended when that is the next index; any other object keeps it as an attribute, as a module holds its children."""
    if isinstance(target, list):
        index = int(name)
        if index == len(target):
            target.append(module)
        else:
            target[index] = module
        return None
    setattr(target, name, module)
