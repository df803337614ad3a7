class PixelUnshuffle(nn.Module):
    """torch.nn.PixelUnshuffle on channels-last input (N, H*r, W*r, C) -> (N, H, W, C*r*r), torch's channel order."""

    def __init__(self, downscale_factor):
        super().__init__()
        self.downscale_factor = downscale_factor

    def __call__(self, x):
        r = self.downscale_factor
        *lead, h, w, c = x.shape
        x = x.reshape(*lead, h // r, r, w // r, r, c)
        n = len(lead)
        x = x.transpose(*range(n), n, n + 2, n + 4, n + 1, n + 3)
        return x.reshape(*lead, h // r, w // r, c * r * r)
