class PixelShuffle(nn.Module):
    """torch.nn.PixelShuffle on channels-last input (N, H, W, C*r*r) -> (N, H*r, W*r, C).

    torch reads input channel c*r*r + i*r + j into output pixel (h*r + i, w*r + j) of channel c;
    splitting the channel axis as (C, r, r) keeps that order.
    """

    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = upscale_factor

    def __call__(self, x):
        r = self.upscale_factor
        *lead, h, w, c = x.shape
        x = x.reshape(*lead, h, w, c // (r * r), r, r)
        n = len(lead)
        x = x.transpose(*range(n), n, n + 3, n + 1, n + 4, n + 2)
        return x.reshape(*lead, h * r, w * r, c // (r * r))
