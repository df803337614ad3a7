class Dropout1d(nn.Module):
    """torch.nn.Dropout1d on channels-last input (N, L, C) or (L, C): zeroes whole channels.

    nn.Dropout2d would read a 3-d input as one unbatched (H, W, C) image and drop the same
    channels for every sample.
    """

    def __init__(self, p=0.5):
        super().__init__()
        self.p = p

    def __call__(self, x):
        if not self.training or self.p == 0:
            return x
        mask_shape = list(x.shape)
        mask_shape[-2] = 1
        keep = mx.random.bernoulli(1 - self.p, mask_shape)
        return x * keep * (1 / (1 - self.p))
