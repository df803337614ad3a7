class ModuleDict(nn.Module):
    """torch.nn.ModuleDict: submodules by name, reachable as attributes (`self.transformer.wte`). Also the base of a
    subclass (`class _DenseBlock(nn.ModuleDict)` filled by setattr or super().__init__(layers)): as in torch, its
    keys, values and items are the submodules only (a ModuleList is MLX's list of modules), in the order they were
    added: an attribute holding an array or a dict of plain values is an item of MLX's Module, never one of torch's."""

    def __init__(self, modules=None):
        super().__init__()
        for name, module in (modules or {}).items():
            setattr(self, name, module)

    def add_module(self, name, module):
        setattr(self, name, module)

    def __getitem__(self, key):
        # MLX's load_weights reads the digit keys of children named by digits (`backbone.0.weight`: a Sequential's
        # children taken by name, torchvision's IntermediateLayerGetter) as list positions
        if isinstance(key, int):
            return super().__getitem__(str(key))
        return super().__getitem__(key)

    def c2m_modules(self):
        def is_module(v):
            if isinstance(v, (list, tuple)):
                return any(is_module(x) for x in v)
            return isinstance(v, nn.Module)

        return {k: v for k, v in dict.items(self) if is_module(v)}

    def keys(self):
        return self.c2m_modules().keys()

    def values(self):
        return self.c2m_modules().values()

    def items(self):
        return self.c2m_modules().items()

    def __iter__(self):
        return iter(self.c2m_modules())

    def __len__(self):
        return len(self.c2m_modules())
