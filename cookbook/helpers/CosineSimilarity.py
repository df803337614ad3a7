class CosineSimilarity(nn.Module):
    """torch.nn.CosineSimilarity(dim=1, eps=1e-8): x1.x2 / max(|x1| |x2|, eps) along dim."""

    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim = dim
        self.eps = eps

    def __call__(self, x1, x2):
        dot = mx.sum(x1 * x2, axis=self.dim)
        norms = mx.sum(x1 * x1, axis=self.dim) * mx.sum(x2 * x2, axis=self.dim)
        return dot * mx.rsqrt(mx.maximum(norms, self.eps * self.eps))
