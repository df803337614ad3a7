class Upsample(nn.Module):
    """torch.nn.Upsample on channels-last input (N, *spatial, C).

    Follows torch's sampling grid exactly: nn.Upsample takes no output `size`, and its "nearest"
    picks different source pixels than torch's for non-integer scales.
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
        if self.mode == "bicubic":
            # nn.Upsample's cubic kernel is torch's (a = -0.75); it needs exact scale factors.
            factors = tuple(m / x.shape[a] for a, m in zip(axes, sizes))
            return nn.Upsample(factors, mode="cubic", align_corners=self.align_corners)(x)
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
        # linear along this axis
        if self.align_corners:
            src = pos * ((n - 1) / (out - 1) if out > 1 else 0.0)
        else:
            src = mx.maximum((pos + 0.5) * ratio - 0.5, 0.0)
        left = mx.minimum(mx.floor(src).astype(mx.int32), n - 1)
        right = mx.minimum(left + 1, n - 1)
        w = (src - left).reshape((-1,) + (1,) * (x.ndim - 1 - axis))
        return mx.take(x, left, axis=axis) * (1 - w) + mx.take(x, right, axis=axis) * w
