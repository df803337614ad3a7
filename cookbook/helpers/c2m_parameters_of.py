def c2m_parameters_of(value):
    """`x.parameters()` where c2m cannot tell what x is (`self` in a mixin of module classes: transformers'
    ModuleUtilsMixin reads `next(self.parameters())`), or where x is a torch ModuleList, which MLX holds as a plain
    list of modules: an MLX module's arrays (or a list's modules'), flattened, as torch's iterator gives them (MLX's
    `parameters()` is a nested dict, whose iteration gives its keys); any other object's own parameters()."""
    mlx = __import__("mlx.nn")  # the package, its nn loaded (the file may not import MLX itself)
    if isinstance(value, (mlx.nn.Module, list, tuple)):
        # an iterator, as torch's generator: `next(x.parameters())` reads the first
        return iter([p for _, p in c2m_named_parameters_of(value)])
    return value.parameters()
