class Hardsigmoid(nn.Module):
    """torch.nn.Hardsigmoid: relu6(x + 3) / 6."""

    def __call__(self, x):
        return mx.clip(x / 6 + 0.5, 0.0, 1.0)
