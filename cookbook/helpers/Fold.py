class Fold(nn.Module):
    """torch.nn.Fold: columns (N, C * kh * kw, L) summed back into (N, C, H, W) (ops_col2im)."""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self._args = (output_size, kernel_size, dilation, padding, stride)

    def __call__(self, x):
        return ops_col2im(x, *self._args)
