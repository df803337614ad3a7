def c2m_weight_norm(parametrized):
    """torch.nn.utils.weight_norm (parametrized False) and torch.nn.utils.parametrizations.weight_norm (True) as
    functions with torch's signature: the layer keeps torch's two parameters, g (the norm, the weight's shape with 1 on
    every axis but `dim`) and v (the direction), as `{name}_g` / `{name}_v` or `parametrizations.{name}.original0` /
    `original1`, and its `name` is computed from them at each read, w = g * v / ||v|| over every axis but `dim` (all of
    them for dim None). MLX's convolutions hold their weight as (O, *K, I), torch's as (O, I, *K): `dim` names torch's
    axis, and a weight map converts g and v as it converts the weight, so they are read here in MLX's order."""

    def weight_norm(module, name="weight", dim=0):
        w = module[name]
        n = w.ndim
        # torch's axis of the weight -> MLX's: a conv moves torch's axis 1 (its input channels) last
        if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
            mlx_axis = lambda d: 0 if d == 0 else n - 1 if d == 1 else d - 1
        elif isinstance(module, (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)):
            mlx_axis = lambda d: n - 1 if d == 0 else 0 if d == 1 else d - 1
        else:
            mlx_axis = lambda d: d
        axes = list(range(n)) if dim is None else [a for a in range(n) if a != mlx_axis(dim % n)]
        g = mx.sqrt(mx.sum(w * w, axis=axes, keepdims=True)) if dim is not None else mx.sqrt(mx.sum(w * w))

        def norm_of(v):
            return mx.sqrt(mx.sum(v * v, axis=axes, keepdims=dim is not None))

        del module[name]
        if parametrized:
            module["parametrizations"] = {name: {"original0": g, "original1": w}}
            read = lambda self: self["parametrizations"][name]
            computed = lambda self: read(self)["original0"] * read(self)["original1"] / norm_of(read(self)["original1"])
        else:
            module[f"{name}_g"] = g
            module[f"{name}_v"] = w
            computed = lambda self: self[f"{name}_g"] * self[f"{name}_v"] / norm_of(self[f"{name}_v"])
        # the layer's own __call__ reads its weight (as self.weight or self["weight"]): a subclass made for this
        # instance puts the computed weight in place for the call only (it is no parameter), and reads of the
        # attribute elsewhere compute it too
        cls = type(module)

        def call(self, *args, **kwargs):
            dict.__setitem__(self, name, computed(self))
            try:
                return cls.__call__(self, *args, **kwargs)
            finally:
                dict.__delitem__(self, name)

        module.__class__ = type(cls.__name__, (cls,), {"__call__": call, name: property(computed), "__module__": cls.__module__})
        return module

    return weight_norm
