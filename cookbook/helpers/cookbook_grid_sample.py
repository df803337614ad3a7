def cookbook_grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=False):
    """torch F.grid_sample for 4-D input (N, C, H, W) and grid (N, Ho, Wo, 2) holding (x, y) in [-1, 1]:
    bilinear or nearest, zeros or border padding, align_corners either way. Gathers from the flattened
    image, so it runs as a handful of array ops (no Python loop over pixels)."""
    n, c, h, w = input.shape
    gx, gy = grid[..., 0], grid[..., 1]
    if align_corners:
        ix, iy = (gx + 1) / 2 * (w - 1), (gy + 1) / 2 * (h - 1)
    else:
        ix, iy = ((gx + 1) * w - 1) / 2, ((gy + 1) * h - 1) / 2
    if padding_mode == "border":
        ix, iy = mx.clip(ix, 0, w - 1), mx.clip(iy, 0, h - 1)
    elif padding_mode != "zeros":
        raise NotImplementedError(f"grid_sample padding_mode={padding_mode!r}")
    flat = input.reshape(n, c, h * w)

    def tap(yy, xx):
        # values at integer positions (N, Ho, Wo) -> (N, C, Ho, Wo); outside the image reads 0
        inside = (xx >= 0) & (xx <= w - 1) & (yy >= 0) & (yy <= h - 1)
        idx = (mx.clip(yy, 0, h - 1) * w + mx.clip(xx, 0, w - 1)).astype(mx.int32).reshape(n, 1, -1)
        vals = mx.take_along_axis(flat, mx.broadcast_to(idx, (n, c, idx.shape[-1])), axis=2)
        return vals.reshape(n, c, *xx.shape[1:]) * mx.expand_dims(inside, 1).astype(input.dtype)

    if mode == "nearest":
        # torch rounds half to even (nearbyint)
        return tap(mx.round(iy), mx.round(ix))
    if mode != "bilinear":
        raise NotImplementedError(f"grid_sample mode={mode!r}")
    x0, y0 = mx.floor(ix), mx.floor(iy)
    x1, y1 = x0 + 1, y0 + 1
    wx1, wy1 = ix - x0, iy - y0
    wx0, wy0 = 1 - wx1, 1 - wy1
    e = lambda t: mx.expand_dims(t, 1)
    return (tap(y0, x0) * e(wy0 * wx0) + tap(y0, x1) * e(wy0 * wx1)
            + tap(y1, x0) * e(wy1 * wx0) + tap(y1, x1) * e(wy1 * wx1))
