class _C2MChildList(list):
    """A torch ModuleList child as named_children gives it: MLX holds a plain list, which (unlike torch's ModuleList)
    takes no attributes; code walking children sets some (transformers' `_is_hf_initialized`). The same items."""


class _C2MChildDict(dict):
    """A torch ModuleDict child as named_children gives it (see _C2MChildList)."""


def c2m_named_children(module):
    """torch's Module.named_children(): the direct submodules under torch's names, in the order they were added.
    MLX's Sequential keeps its modules in its `layers` list, which torch names "0", "1", ...; any other module
    holds its children as dict items, a torch ModuleList or ModuleDict child being a list or dict of modules."""
    def is_module(v):
        if isinstance(v, (list, tuple)):
            return any(is_module(x) for x in v)
        if isinstance(v, dict) and not isinstance(v, nn.Module):
            return any(is_module(x) for x in v.values())
        return isinstance(v, nn.Module)

    def child(v):
        if isinstance(v, (list, tuple)):
            return _C2MChildList(v)
        return _C2MChildDict(v) if isinstance(v, dict) and not isinstance(v, nn.Module) else v

    if isinstance(module, nn.Sequential):
        return [(str(i), m) for i, m in enumerate(module.layers)]
    # a ModuleList / ModuleDict child is a plain list / dict in MLX: torch names its children by position / key; an
    # item may itself be a ModuleList (poolformer's `block` of per-stage lists), walked in turn, so it takes attributes too
    if isinstance(module, (list, tuple)):
        return [(str(i), child(m)) for i, m in enumerate(module)]
    if isinstance(module, dict) and not isinstance(module, nn.Module):
        return [(k, child(v)) for k, v in module.items()]
    return [(k, child(v)) for k, v in dict.items(module) if is_module(v)]
