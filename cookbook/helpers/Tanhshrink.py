class Tanhshrink(nn.Module):
    """torch.nn.Tanhshrink: x - tanh(x)."""

    def __call__(self, x):
        return x - mx.tanh(x)
