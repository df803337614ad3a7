class ReflectionPad(nn.Module):
    """torch.nn.ReflectionPad{1,2,3}d on channels-last input (N, *spatial, C).

    mx.pad has no reflect mode: each spatial axis is gathered through mirrored indices (edge excluded).
    """

    def __init__(self, padding, spatial_dims):
        super().__init__()
        if isinstance(padding, int):
            padding = (padding,) * (2 * spatial_dims)
        self._widths = [tuple(padding[2 * i : 2 * i + 2]) for i in reversed(range(spatial_dims))]

    def __call__(self, x):
        first = x.ndim - len(self._widths) - 1
        for axis, (before, after) in enumerate(self._widths, start=first):
            n = x.shape[axis]
            # source index of every output position: mirrored border, the axis itself, mirrored border
            index = list(range(before, 0, -1)) + list(range(n)) + list(range(n - 2, n - 2 - after, -1))
            x = mx.take(x, mx.array(index), axis=axis)
        return x
