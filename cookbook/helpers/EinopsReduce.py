class EinopsReduce(nn.Module):
    """einops.layers.torch.Reduce: a layer without parameters applying einops.reduce (c2m_einops)."""

    def __init__(self, pattern, reduction, **axes_lengths):
        super().__init__()
        self._pattern = pattern
        self._reduction = reduction
        self._axes_lengths = axes_lengths

    def __call__(self, x):
        return c2m_einops(x, self._pattern, self._reduction, self._axes_lengths)
