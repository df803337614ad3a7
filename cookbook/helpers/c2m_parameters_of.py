def c2m_parameters_of(value):
    """`x.parameters()` where c2m cannot tell what x is (`self` in a mixin of module classes: transformers'
    ModuleUtilsMixin reads `next(self.parameters())`): an MLX module's arrays, flattened, as torch's iterator gives
    them (MLX's `parameters()` is a nested dict, whose iteration gives its keys); any other object's own
    parameters()."""
    mlx = __import__("mlx.nn").nn and __import__("mlx.utils")  # the file may not import MLX itself
    if isinstance(value, mlx.nn.Module):
        return [p for _, p in mlx.utils.tree_flatten(value.parameters())]
    return value.parameters()
