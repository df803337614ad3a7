def c2m_named_parameters_of(value):
    """torch's `x.named_parameters()` where x may be a torch ModuleList, which MLX holds as a plain list of modules
    (diffusers' TemporalDecoder reads `self.up_blocks.parameters()`): the arrays of each module under torch's names,
    a list's items named "0", "1", ... as torch names a ModuleList's; an MLX module's own; any other object's own
    named_parameters()."""
    mlx = __import__("mlx.nn") and __import__("mlx.utils")  # the package, its nn and utils loaded (the file may not import MLX itself)

    def tree(v):
        if isinstance(v, mlx.nn.Module):
            return v.parameters()
        if isinstance(v, (list, tuple)):
            return [tree(item) for item in v]
        return v

    if isinstance(value, (mlx.nn.Module, list, tuple)):
        return [(k, p) for k, p in mlx.utils.tree_flatten(tree(value)) if isinstance(p, mlx.core.array)]
    return value.named_parameters()
