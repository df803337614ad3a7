class MaxPoolTorch(nn.Module):
    """torch.nn.MaxPool{1,2,3}d on channels-last input (N, *spatial, C) with what MLX's pooling lacks:
    ceil_mode=True (a last, partial window at the end). The input is padded with -inf (torch's padding and
    the partial window's overhang), then pooled without padding."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, dims=2):
        super().__init__()
        as_tuple = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v,) * dims
        self._kernel_size = as_tuple(kernel_size)
        self._stride = as_tuple(kernel_size if stride is None else stride)
        self._padding = as_tuple(padding)
        self._ceil_mode = ceil_mode
        self._pool = (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)[dims - 1](self._kernel_size, self._stride, 0)

    def __call__(self, x):
        widths = pool_padding(x.shape, self._kernel_size, self._stride, self._padding, self._ceil_mode)
        x = mx.pad(x, [(0, 0), *widths, (0, 0)], constant_values=-float("inf"))
        return self._pool(x)
