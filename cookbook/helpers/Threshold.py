class Threshold(nn.Module):
    """torch.nn.Threshold(threshold, value): x where x > threshold, else value."""

    def __init__(self, threshold, value):
        super().__init__()
        self.threshold = threshold
        self.value = value

    def __call__(self, x):
        return mx.where(x > self.threshold, x, self.value)
