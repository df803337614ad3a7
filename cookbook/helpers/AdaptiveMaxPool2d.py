class AdaptiveMaxPool2d(nn.Module):
    """torch.nn.AdaptiveMaxPool2d on channels-last input (N, H, W, C)."""

    def __init__(self, output_size):
        super().__init__()
        self._output_size = output_size

    def __call__(self, x):
        return adaptive_pool(x, self._output_size, mx.max)
