class NamedSequential(nn.Module):
    """torch.nn.Sequential given an OrderedDict of submodules: each is an attribute under its torch name (so the
    weights keep torch's keys and `self.heads.head` reads it), and a call runs them in their order."""

    def __init__(self, modules):
        super().__init__()
        self._order = []
        for name, module in modules.items():
            self.add_module(name, module)

    def add_module(self, name, module):
        if name not in self._order:
            self._order.append(name)
        setattr(self, name, module)

    def __call__(self, x):
        for name in self._order:
            x = getattr(self, name)(x)
        return x
