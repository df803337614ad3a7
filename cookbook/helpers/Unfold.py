class Unfold(nn.Module):
    """torch.nn.Unfold on (N, C, H, W): each block a column, (N, C * kh * kw, L) (ops_im2col)."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self._args = (kernel_size, dilation, padding, stride)

    def __call__(self, x):
        return ops_im2col(x, *self._args)
