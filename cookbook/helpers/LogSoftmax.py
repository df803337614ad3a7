class LogSoftmax(nn.Module):
    """torch.nn.LogSoftmax(dim): nn.LogSoftmax has no axis argument."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def __call__(self, x):
        axis = self.dim
        if axis is None:
            # torch's deprecated implicit dim: 0 for 0-, 1- and 3-d input, else 1.
            axis = 0 if x.ndim in (0, 1, 3) else 1
        return x - mx.logsumexp(x, axis=axis, keepdims=True)
