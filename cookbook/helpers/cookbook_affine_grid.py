def cookbook_affine_grid(theta, size, align_corners=False):
    """torch F.affine_grid for 2-D: theta (N, 2, 3), size (N, C, H, W) -> grid (N, H, W, 2) of (x, y)."""
    n, _, h, w = size

    def axis(steps):
        line = mx.linspace(-1, 1, steps) if steps > 1 else mx.zeros((1,))
        return line if align_corners else line * (steps - 1) / steps

    xs, ys = axis(w), axis(h)
    base = mx.stack([mx.broadcast_to(xs[None, :], (h, w)), mx.broadcast_to(ys[:, None], (h, w)), mx.ones((h, w))], axis=-1)
    return (base.reshape(1, h * w, 3) @ theta.swapaxes(1, 2)).reshape(n, h, w, 2)
