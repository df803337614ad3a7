class Unflatten(nn.Module):
    """torch.nn.Unflatten(dim, unflattened_size)."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim = dim
        self._sizes = tuple(unflattened_size)

    def __call__(self, x):
        dim = self.dim % x.ndim
        return x.reshape(*x.shape[:dim], *self._sizes, *x.shape[dim + 1 :])
