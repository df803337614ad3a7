class Upsample(nn.Module):
    """torch.nn.Upsample on channels-last input (N, *spatial, C).

    Follows torch's sampling grid exactly. nn.Upsample agrees with torch only for integer scale
    factors: it takes no output `size`, and its nearest, linear and cubic grids differ from torch's
    for other scales.
    """

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None):
        super().__init__()
        if mode not in ("nearest", "linear", "bilinear", "trilinear", "bicubic"):
            raise ValueError(f"Upsample: mode {mode!r} is not supported")
        self._size = size
        self._scale_factor = scale_factor
        self.mode = mode
        self.align_corners = bool(align_corners)
        # torch samples with 1/scale_factor unless asked to recompute it from the sizes
        self._use_scale = scale_factor is not None and not recompute_scale_factor

    def __call__(self, x):
        spatial = x.ndim - 2
        axes = range(1, 1 + spatial)
        size, scale = self._size, self._scale_factor
        if size is not None:
            sizes = size if isinstance(size, (tuple, list)) else (size,) * spatial
            scales = [None] * spatial
        else:
            scales = scale if isinstance(scale, (tuple, list)) else (scale,) * spatial
            sizes = [int(math.floor(x.shape[a] * s)) for a, s in zip(axes, scales)]
        for axis, out, s in zip(axes, sizes, scales):
            x = self._resample(x, axis, out, s)
        return x

    def _resample(self, x, axis, out, scale):
        n = x.shape[axis]
        ratio = 1 / scale if (self._use_scale and scale) else n / out
        pos = mx.arange(out, dtype=mx.float32)
        if self.mode == "nearest":
            if n == out:
                return x
            index = mx.minimum(mx.floor(pos * ratio).astype(mx.int32), n - 1)
            return mx.take(x, index, axis=axis)
        if self.align_corners:
            src = pos * ((n - 1) / (out - 1) if out > 1 else 0.0)
        else:
            src = (pos + 0.5) * ratio - 0.5
        shape = (-1,) + (1,) * (x.ndim - 1 - axis)  # broadcasts along `axis`
        if self.mode != "bicubic":
            src = mx.maximum(src, 0.0)  # torch clamps linear's source index, not cubic's
            left = mx.minimum(mx.floor(src).astype(mx.int32), n - 1)
            right = mx.minimum(left + 1, n - 1)
            w = (src - left).reshape(shape)
            return mx.take(x, left, axis=axis) * (1 - w) + mx.take(x, right, axis=axis) * w
        # torch's cubic convolution (a = -0.75) over the 4 nearest samples, edges clamped
        base = mx.floor(src)
        t = src - base
        a = -0.75
        near = lambda d: ((a + 2) * d - (a + 3)) * d * d + 1  # |d| <= 1
        far = lambda d: ((a * d - 5 * a) * d + 8 * a) * d - 4 * a  # 1 < |d| < 2
        result = 0
        for k, w in zip((-1, 0, 1, 2), (far(t + 1), near(t), near(1 - t), far(2 - t))):
            index = mx.clip(base + k, 0, n - 1).astype(mx.int32)
            result = result + mx.take(x, index, axis=axis) * w.reshape(shape)
        return result
