class Hardtanh(nn.Module):
    """torch.nn.Hardtanh(min_val, max_val): nn.HardTanh has fixed bounds -1, 1."""

    def __init__(self, min_val=-1.0, max_val=1.0):
        super().__init__()
        self.min_val = min_val
        self.max_val = max_val

    def __call__(self, x):
        return mx.clip(x, self.min_val, self.max_val)
