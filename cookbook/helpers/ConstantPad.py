class ConstantPad(nn.Module):
    """torch.nn.ConstantPad{1,2,3}d / ZeroPad{1,2,3}d on channels-last input (N, *spatial, C).

    torch's padding tuple runs from the last spatial axis backwards: (left, right, top, bottom, ...);
    a negative amount crops, as torch's does (RWKV's time shift `nn.ZeroPad2d((0, 0, 1, -1))`).
    """

    def __init__(self, padding, value, spatial_dims):
        super().__init__()
        if isinstance(padding, int):
            padding = (padding,) * (2 * spatial_dims)
        # pad widths for the spatial axes, first to last
        self._widths = [tuple(padding[2 * i : 2 * i + 2]) for i in reversed(range(spatial_dims))]
        self.value = value

    def __call__(self, x):
        lead = x.ndim - len(self._widths) - 1
        if any(lo < 0 or hi < 0 for lo, hi in self._widths):
            crop = tuple(slice(max(-lo, 0), x.shape[lead + k] - max(-hi, 0)) for k, (lo, hi) in enumerate(self._widths))
            x = x[(slice(None),) * lead + crop]
        widths = [(max(lo, 0), max(hi, 0)) for lo, hi in self._widths]
        return mx.pad(x, [(0, 0)] * lead + widths + [(0, 0)], constant_values=self.value)
