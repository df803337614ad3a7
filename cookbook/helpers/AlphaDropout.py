class AlphaDropout(nn.Module):
    """torch.nn.AlphaDropout: dropout that keeps SELU activations at zero mean, unit variance."""

    def __init__(self, p=0.5):
        super().__init__()
        self.p = p

    def __call__(self, x):
        if not self.training or self.p == 0:
            return x
        alpha = -1.7580993408473766  # -selu_scale * selu_alpha: SELU's limit at -inf
        a = ((1 - self.p) * (1 + self.p * alpha**2)) ** -0.5
        keep = mx.random.bernoulli(1 - self.p, x.shape)
        return a * mx.where(keep, x, alpha) - a * alpha * self.p
