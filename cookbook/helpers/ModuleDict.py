import mlx.nn as nn


class ModuleDict(nn.Module):
    """torch.nn.ModuleDict: submodules by name, reachable as attributes (`self.transformer.wte`)."""

    def __init__(self, modules=None):
        super().__init__()
        self.update(modules or {})
