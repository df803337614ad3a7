class NamedSequential(nn.Module):
    """torch.nn.Sequential whose submodules have names (given as an OrderedDict, or added by add_module or setattr):
    each is an attribute under its torch name (so the weights keep torch's keys and `self.heads.head` reads it),
    and a call runs them in the order they were added, as torch's Sequential runs its _modules."""

    def __init__(self, modules=None):
        super().__init__()
        for name, module in (modules or {}).items():
            setattr(self, name, module)

    def add_module(self, name, module):
        setattr(self, name, module)

    def __getitem__(self, key):
        # an int is a position, as in torch's Sequential; MLX's load_weights also reads the digit keys of children
        # named by digits (`add_module(str(i), m)`: `blocks.0.weight`) as list positions
        if isinstance(key, int):
            return super().__getitem__(str(key)) if str(key) in self else self.c2m_items()[key]
        return super().__getitem__(key)

    def c2m_items(self):
        return [v for v in self.values() if isinstance(v, nn.Module)]

    def __call__(self, x):
        for module in self.c2m_items():
            x = module(x)
        return x
