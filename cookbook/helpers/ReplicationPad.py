class ReplicationPad(nn.Module):
    """torch.nn.ReplicationPad{1,2,3}d on channels-last input (N, *spatial, C): repeats the edge values."""

    def __init__(self, padding, spatial_dims):
        super().__init__()
        if isinstance(padding, int):
            padding = (padding,) * (2 * spatial_dims)
        self._widths = [tuple(padding[2 * i : 2 * i + 2]) for i in reversed(range(spatial_dims))]

    def __call__(self, x):
        lead = x.ndim - len(self._widths) - 1
        return mx.pad(x, [(0, 0)] * lead + self._widths + [(0, 0)], mode="edge")
