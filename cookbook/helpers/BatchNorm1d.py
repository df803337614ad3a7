class BatchNorm1d(nn.BatchNorm):
    """torch.nn.BatchNorm1d on torch's layout, for inputs whose rank c2m could not tell: (N, C) as it is,
    (N, C, L) normalised over C."""

    def __call__(self, x):
        if x.ndim == 3:
            return super().__call__(x.swapaxes(1, 2)).swapaxes(1, 2)
        return super().__call__(x)
