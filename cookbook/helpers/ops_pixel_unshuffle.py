def ops_pixel_unshuffle(input, downscale_factor):
    """torch F.pixel_unshuffle on a channels-last (N, H*r, W*r, C) input → (N, H, W, C*r*r); channel
    c*r*r + i*r + j takes offset (i, j) of channel c, as torch."""
    n, hr, wr, c = input.shape
    r = downscale_factor
    x = input.reshape(n, hr // r, r, wr // r, r, c)
    return x.transpose(0, 1, 3, 5, 2, 4).reshape(n, hr // r, wr // r, c * r * r)
