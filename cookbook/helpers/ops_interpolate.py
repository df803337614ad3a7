def ops_interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None, antialias=False):
    """torch F.interpolate on a channels-last input (N, *spatial, C): modes nearest, nearest-exact,
    linear/bilinear/trilinear and bicubic (separable, with torch's source-index rules and align_corners; bicubic
    is torch's cubic convolution with A = -0.75 over the 4 nearest cells, indices clamped to the edge)."""
    n_spatial = input.ndim - 2
    in_sizes = input.shape[1:-1]
    if size is not None:
        out_sizes = [size] * n_spatial if isinstance(size, int) else list(size)
        scales = [i / o for i, o in zip(in_sizes, out_sizes)]
    else:
        factors = [scale_factor] * n_spatial if isinstance(scale_factor, (int, float)) else list(scale_factor)
        out_sizes = [int(i * f) for i, f in zip(in_sizes, factors)]
        if recompute_scale_factor:
            scales = [i / o for i, o in zip(in_sizes, out_sizes)]
        else:
            scales = [1.0 / f for f in factors]
    x = input
    for k, (n_in, n_out, scale) in enumerate(zip(in_sizes, out_sizes, scales)):
        axis = 1 + k
        dst = mx.arange(n_out, dtype=mx.float32)
        if mode in ("nearest", "nearest-exact"):
            src = dst * scale if mode == "nearest" else (dst + 0.5) * scale
            x = mx.take(x, mx.minimum(mx.floor(src).astype(mx.int32), n_in - 1), axis=axis)
        elif mode in ("linear", "bilinear", "trilinear"):
            if align_corners:
                src = dst * ((n_in - 1) / (n_out - 1)) if n_out > 1 else dst * 0
            else:
                src = mx.maximum((dst + 0.5) * scale - 0.5, 0.0)
            i0 = mx.minimum(mx.floor(src).astype(mx.int32), n_in - 1)
            i1 = mx.minimum(i0 + 1, n_in - 1)
            w = (src - i0).reshape([n_out] + [1] * (x.ndim - axis - 1)).astype(x.dtype)
            x = mx.take(x, i0, axis=axis) * (1 - w) + mx.take(x, i1, axis=axis) * w
        elif mode == "bicubic":
            if align_corners:
                src = dst * ((n_in - 1) / (n_out - 1)) if n_out > 1 else dst * 0
            else:
                # torch does not clamp a cubic source index at 0
                src = (dst + 0.5) * scale - 0.5
            i0 = mx.floor(src)
            t = src - i0
            a = -0.75
            near = lambda d: ((a + 2) * d - (a + 3)) * d * d + 1
            far = lambda d: ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
            weights = (far(t + 1), near(t), near(1 - t), far(2 - t))
            shape = [n_out] + [1] * (x.ndim - axis - 1)
            i0 = i0.astype(mx.int32)
            x = sum(
                mx.take(x, mx.clip(i0 + (j - 1), 0, n_in - 1), axis=axis) * wj.reshape(shape).astype(x.dtype)
                for j, wj in enumerate(weights)
            )
        else:
            raise ValueError(f"interpolate: mode {mode!r} has no MLX translation")
    return x
