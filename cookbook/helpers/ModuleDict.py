class ModuleDict(nn.Module):
    """torch.nn.ModuleDict: submodules by name, reachable as attributes (`self.transformer.wte`)."""

    def __init__(self, modules=None):
        super().__init__()
        for name, module in (modules or {}).items():
            setattr(self, name, module)
