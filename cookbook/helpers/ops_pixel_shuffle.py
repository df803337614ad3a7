def ops_pixel_shuffle(input, upscale_factor):
    """torch F.pixel_shuffle on a channels-last (N, H, W, C*r*r) input → (N, H*r, W*r, C); torch's
    channel c*r*r + i*r + j goes to channel c at offset (i, j)."""
    n, h, w, c = input.shape
    r = upscale_factor
    x = input.reshape(n, h, w, c // (r * r), r, r)
    return x.transpose(0, 1, 4, 2, 5, 3).reshape(n, h * r, w * r, c // (r * r))
