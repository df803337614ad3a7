# Signal and spatial idioms on NCHW tensors, written the way popular code writes them: reflect/replicate
# padding before a dilated conv (pix2pixHD/CycleGAN generators), GroupNorm, a learned global filter in
# the Fourier domain (GFNet / FNO spectral layers: rfft2 -> multiply -> irfft2 back to the input size), and
# a spatial transformer (PyTorch's STN tutorial: affine_grid + grid_sample), sampled bilinear with zero
# padding and nearest with border padding, align_corners both ways.
import mlx.core as mx
import mlx.nn as nn
import re


def cookbook_affine_grid(theta, size, align_corners=False):
    """torch F.affine_grid for 2-D: theta (N, 2, 3), size (N, C, H, W) -> grid (N, H, W, 2) of (x, y)."""
    n, _, h, w = size

    def axis(steps):
        line = mx.linspace(-1, 1, steps) if steps > 1 else mx.zeros((1,))
        return line if align_corners else line * (steps - 1) / steps

    xs, ys = axis(w), axis(h)
    base = mx.stack([mx.broadcast_to(xs[None, :], (h, w)), mx.broadcast_to(ys[:, None], (h, w)), mx.ones((h, w))], axis=-1)
    return (base.reshape(1, h * w, 3) @ theta.swapaxes(1, 2)).reshape(n, h, w, 2)


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


def ops_pad(input, pad, mode="constant", value=None):
    """torch F.pad: `pad` lists (before, after) pairs from the LAST axis backwards; negative amounts crop.
    Modes: constant, reflect, replicate (MLX 'edge'), circular."""
    n = len(pad) // 2
    pairs = [(pad[2 * i], pad[2 * i + 1]) for i in reversed(range(n))]
    lead = input.ndim - n
    crop = (slice(None),) * lead + tuple(slice(max(-lo, 0), input.shape[lead + k] - max(-hi, 0)) for k, (lo, hi) in enumerate(pairs))
    x = input[crop]
    widths = [(0, 0)] * lead + [(max(lo, 0), max(hi, 0)) for lo, hi in pairs]
    if mode == "constant":
        return mx.pad(x, widths, constant_values=0 if value is None else value)
    if mode in ("reflect", "replicate"):
        return mx.pad(x, widths, mode="reflect" if mode == "reflect" else "edge")
    if mode == "circular":
        for axis in range(lead, x.ndim):
            lo, hi = widths[axis]
            size = x.shape[axis]
            parts = [mx.take(x, mx.arange(size - lo, size), axis=axis), x, mx.take(x, mx.arange(0, hi), axis=axis)]
            x = mx.concatenate(parts, axis=axis)
        return x
    raise ValueError(f"pad: mode {mode!r} has no MLX translation")


def ops_randn(*size, dtype=None):
    """torch.randn: standard normal samples; the shape may be given as separate ints or one sequence."""
    if len(size) == 1 and not isinstance(size[0], int):
        size = tuple(size[0])
    return mx.random.normal(size, dtype=dtype or mx.float32)


def c2m_apply_weight_map(weights, rules):
    """Turn a torch state_dict (a dict of mx.array) into this module's MLX parameters.

    Each rule is (torch pattern(s), mlx pattern(s) or None, op, *args); '*' matches one dotted
    segment, '**' one or more and '#' one segment of digits (a position in a Sequential or
    ModuleList), and their captures fill the MLX key(s) in order. The first rule whose (first) torch
    pattern matches a key handles it; keys no rule matches pass through unchanged (BatchNorm's
    num_batches_tracked, which no MLX layer holds, aside).
    """
    def as_tuple(p):
        return () if p is None else (p,) if isinstance(p, str) else tuple(p)

    def fill(pattern, caps):
        parts = re.split(r"\*\*?|#", pattern)
        return parts[0] + "".join(c + p for c, p in zip(caps, parts[1:]))

    def regex_of(pattern):
        pieces = re.split(r"(\*\*|\*|#)", pattern)
        wildcards = {"**": "(.+)", "*": "([^.]+)", "#": r"(\d+)"}
        return re.compile("^" + "".join(wildcards.get(p) or re.escape(p) for p in pieces) + "$")

    compiled = []
    for torch_keys, mlx_keys, op, *args in rules:
        torch_keys, mlx_keys = as_tuple(torch_keys), as_tuple(mlx_keys)
        regex = regex_of(torch_keys[0])
        compiled.append((regex, torch_keys, mlx_keys, op, args))

    handled, consumed = {}, set()
    for key in weights:
        for rule in compiled:
            m = rule[0].match(key)
            if m:
                handled[key] = (rule, m.groups())
                consumed.update(fill(extra, m.groups()) for extra in rule[1][1:])
                break

    out = {}
    for key, w in weights.items():
        if key in consumed:
            continue  # summed into another key's output
        if key not in handled:
            if not key.endswith("num_batches_tracked"):  # BatchNorm's step counter: no MLX layer holds one
                out[key] = w
            continue
        (_, torch_keys, mlx_keys, op, args), caps = handled[key]
        targets = [fill(p, caps) for p in mlx_keys]
        if op == "drop":
            continue
        if op in ("conv", "conv_transpose") and w.ndim < 3:
            pass  # not a conv weight: a norm at a position that holds a conv in other instances
        elif op == "conv":  # torch (O, I, *K) -> MLX (O, *K, I)
            w = mx.moveaxis(w, 1, -1)
        elif op == "conv_transpose":  # torch (I, O, *K) -> MLX (O, *K, I)
            w = w.transpose(list(range(1, w.ndim)) + [0])
        elif op == "linear_nhwc":  # columns c*S + s -> s*C + c (Linear after a channels-last flatten)
            c = args[0]
            s = args[1] if len(args) > 1 else w.shape[1] // c
            w = w.reshape(w.shape[0], c, s).swapaxes(1, 2).reshape(w.shape[0], c * s)
        elif op == "split":
            for name, part in zip(targets, mx.split(w, len(targets), axis=args[0])):
                out[name] = part
            continue
        elif op == "sum":
            for extra in torch_keys[1:]:
                w = w + weights[fill(extra, caps)]
        elif op != "identity":
            raise ValueError(f"c2m weight map: unknown op {op!r}")
        out[targets[0]] = w
    return out


class SpectralWarp(nn.Module):
    def __init__(self, channels=4, size=12):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, kernel_size=3, padding=2, dilation=2)
        self.norm = nn.GroupNorm(2, channels, pytorch_compatible=True)
        self.complex_weight = ops_randn(channels, size, size // 2 + 1) * 0.02
        self.fc_loc = nn.Linear(channels, 6)

    def stn(self, x):
        xs = mx.mean(x, axis=(2, 3))
        theta = self.fc_loc(xs) * 0.1 + mx.array([1, 0, 0, 0, 1, 0], dtype=mx.float32)
        theta = theta.reshape(-1, 2, 3)
        grid = cookbook_affine_grid(theta, x.shape, align_corners=False)
        x = cookbook_grid_sample(x, grid, align_corners=False)
        return x

    def __call__(self, x):
        h = ops_pad(x, (1, 1, 1, 1), mode="reflect")
        h = h.transpose(0, 2, 3, 1)
        h = self.conv(h)
        h = ops_pad(h.transpose(0, 3, 1, 2), (2, 0, 0, 1), mode="replicate")[..., 1:, :-2]
        h = h.transpose(0, 2, 3, 1)
        h = self.norm(h)
        spec = mx.fft.rfft2(h, axes=(1, 2), norm="ortho")
        spec = spec.transpose(0, 3, 1, 2) * self.complex_weight
        h = mx.fft.irfft2(spec, s=h.transpose(0, 3, 1, 2).shape[-2:], axes=(-2, -1), norm="ortho")
        warped = self.stn(h)
        grid = cookbook_affine_grid((mx.tile(mx.expand_dims(mx.eye(2, 3), 0), (x.shape[0], 1, 1)) * 1.2), h.shape, align_corners=True)
        nearest = cookbook_grid_sample(h, grid, mode="nearest", padding_mode="border", align_corners=True)
        return warped, nearest

    def sanitize(self, weights):
        """Convert a torch state_dict (as MLX arrays) to this module's parameters."""
        return c2m_apply_weight_map(weights, C2M_WEIGHT_MAPS["SpectralWarp"])


# c2m: torch state_dict keys and layouts -> MLX parameters (read by `c2m weights --map` and sanitize())
C2M_TOP_LEVEL = "SpectralWarp"
C2M_WEIGHT_MAPS = {
    "SpectralWarp": [
        ("conv.weight", "conv.weight", "conv"),
    ],
}
