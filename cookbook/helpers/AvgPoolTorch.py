class AvgPoolTorch(nn.Module):
    """torch.nn.AvgPool{1,2,3}d on channels-last input (N, *spatial, C) with what MLX's pooling lacks:
    ceil_mode=True (a last, partial window) and count_include_pad=False. Every window's sum is divided by
    the number of cells torch counts in it: the input's, plus its padding when count_include_pad (never the
    partial window's overhang), so the result is the pooled input over the pooled count of a mask of ones."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, dims=2):
        super().__init__()
        as_tuple = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v,) * dims
        self._kernel_size = as_tuple(kernel_size)
        self._stride = as_tuple(kernel_size if stride is None else stride)
        self._padding = as_tuple(padding)
        self._ceil_mode = ceil_mode
        self._count_include_pad = count_include_pad
        self._pool = (nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)[dims - 1](self._kernel_size, self._stride, 0)

    def __call__(self, x):
        widths = pool_padding(x.shape, self._kernel_size, self._stride, self._padding, self._ceil_mode)
        ones = mx.ones((1, *x.shape[1:-1], 1), dtype=x.dtype)
        if self._count_include_pad:
            # torch's padding counts, the overhang past it does not
            ones = mx.pad(ones, [(0, 0), *((p, p) for p in self._padding), (0, 0)], constant_values=1)
            count_widths = [(0, after - before) for before, after in widths]
        else:
            count_widths = widths
        count = self._pool(mx.pad(ones, [(0, 0), *count_widths, (0, 0)]))
        return self._pool(mx.pad(x, [(0, 0), *widths, (0, 0)])) / count
