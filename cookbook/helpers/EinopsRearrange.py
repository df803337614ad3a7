class EinopsRearrange(nn.Module):
    """einops.layers.torch.Rearrange: a layer without parameters applying einops.rearrange (c2m_einops)."""

    def __init__(self, pattern, **axes_lengths):
        super().__init__()
        self._pattern = pattern
        self._axes_lengths = axes_lengths

    def __call__(self, x):
        return c2m_einops(x, self._pattern, None, self._axes_lengths)
