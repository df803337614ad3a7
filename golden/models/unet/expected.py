""" Parts of the U-Net model """
# U-Net as milesial/Pytorch-UNet writes it; `base_channels` (64 in the paper) keeps it small.

import mlx.core as mx
import mlx.nn as nn
import math
import re


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


class DoubleConv(nn.Module):
    """(convolution => [BN] => ReLU) * 2"""

    def __init__(self, in_channels, out_channels, mid_channels=None):
        super().__init__()
        if not mid_channels:
            mid_channels = out_channels
        self.double_conv = nn.Sequential(
            nn.Conv2d(in_channels, mid_channels, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm(mid_channels),
            nn.ReLU(),
            nn.Conv2d(mid_channels, out_channels, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm(out_channels),
            nn.ReLU()
        )

    def __call__(self, x):
        return self.double_conv(x)


class Down(nn.Module):
    """Downscaling with maxpool then double conv"""

    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.maxpool_conv = nn.Sequential(
            nn.MaxPool2d(2),
            DoubleConv(in_channels, out_channels)
        )

    def __call__(self, x):
        return self.maxpool_conv(x)


class Up(nn.Module):
    """Upscaling then double conv"""

    def __init__(self, in_channels, out_channels, bilinear=True):
        super().__init__()

        # if bilinear, use the normal convolutions to reduce the number of channels
        if bilinear:
            self.up = Upsample(scale_factor=2, mode='bilinear', align_corners=True)
            self.conv = DoubleConv(in_channels, out_channels, in_channels // 2)
        else:
            self.up = nn.ConvTranspose2d(in_channels, in_channels // 2, kernel_size=2, stride=2)
            self.conv = DoubleConv(in_channels, out_channels)

    def __call__(self, x1, x2):
        x1 = self.up(x1)
        # input is CHW
        diffY = x2.shape[1] - x1.shape[1]
        diffX = x2.shape[2] - x1.shape[2]

        x1 = mx.pad(x1, [(0, 0), (diffY // 2, diffY - diffY // 2), (diffX // 2, diffX - diffX // 2), (0, 0)])
        # if you have padding issues, see
        # https://github.com/HaiyongJiang/U-Net-Pytorch-Unstructured-Buggy/commit/0e854509c2cea854e247a9c615f175f76fbb2e3a
        # https://github.com/xiaopeng-liao/Pytorch-UNet/commit/8ebac70e633bac59fc22bb5195e513d5832fb3bd
        x = mx.concatenate([x2, x1], axis=3)
        return self.conv(x)


class OutConv(nn.Module):
    def __init__(self, in_channels, out_channels):
        super(OutConv, self).__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=1)

    def __call__(self, x):
        return self.conv(x)


""" Full assembly of the parts to form the complete network """


class UNet(nn.Module):
    def __init__(self, n_channels, n_classes, bilinear=False, base_channels=64):
        super(UNet, self).__init__()
        self.n_channels = n_channels
        self.n_classes = n_classes
        self.bilinear = bilinear
        c = base_channels

        self.inc = DoubleConv(n_channels, c)
        self.down1 = Down(c, c * 2)
        self.down2 = Down(c * 2, c * 4)
        self.down3 = Down(c * 4, c * 8)
        factor = 2 if bilinear else 1
        self.down4 = Down(c * 8, c * 16 // factor)
        self.up1 = Up(c * 16, c * 8 // factor, bilinear)
        self.up2 = Up(c * 8, c * 4 // factor, bilinear)
        self.up3 = Up(c * 4, c * 2 // factor, bilinear)
        self.up4 = Up(c * 2, c, bilinear)
        self.outc = OutConv(c, n_classes)

    def __call__(self, x):
        x = x.transpose(0, 2, 3, 1)
        x1 = self.inc(x)
        x2 = self.down1(x1)
        x3 = self.down2(x2)
        x4 = self.down3(x3)
        x5 = self.down4(x4)
        x = self.up1(x5, x4)
        x = self.up2(x, x3)
        x = self.up3(x, x2)
        x = self.up4(x, x1)
        logits = self.outc(x)
        return logits.transpose(0, 3, 1, 2)

    def sanitize(self, weights):
        """Convert a torch state_dict (as MLX arrays) to this module's parameters."""
        return c2m_apply_weight_map(weights, C2M_WEIGHT_MAPS["UNet"])


# c2m: torch state_dict keys and layouts -> MLX parameters (read by `c2m weights --map` and sanitize())
C2M_TOP_LEVEL = "UNet"
C2M_WEIGHT_MAPS = {
    "DoubleConv": [
        ("**.num_batches_tracked", None, "drop"),
        ("double_conv.0.weight", "double_conv.layers.0.weight", "conv"),
        ("double_conv.1.num_batches_tracked", None, "drop"),
        ("double_conv.3.weight", "double_conv.layers.3.weight", "conv"),
        ("double_conv.4.num_batches_tracked", None, "drop"),
        ("double_conv.0.**", "double_conv.layers.0.**", "identity"),
        ("double_conv.1.**", "double_conv.layers.1.**", "identity"),
        ("double_conv.2.**", "double_conv.layers.2.**", "identity"),
        ("double_conv.3.**", "double_conv.layers.3.**", "identity"),
        ("double_conv.4.**", "double_conv.layers.4.**", "identity"),
        ("double_conv.5.**", "double_conv.layers.5.**", "identity"),
    ],
    "Down": [
        ("**.num_batches_tracked", None, "drop"),
        ("maxpool_conv.1.double_conv.0.weight", "maxpool_conv.layers.1.double_conv.layers.0.weight", "conv"),
        ("maxpool_conv.1.double_conv.1.num_batches_tracked", None, "drop"),
        ("maxpool_conv.1.double_conv.3.weight", "maxpool_conv.layers.1.double_conv.layers.3.weight", "conv"),
        ("maxpool_conv.1.double_conv.4.num_batches_tracked", None, "drop"),
        ("maxpool_conv.1.double_conv.0.**", "maxpool_conv.layers.1.double_conv.layers.0.**", "identity"),
        ("maxpool_conv.1.double_conv.1.**", "maxpool_conv.layers.1.double_conv.layers.1.**", "identity"),
        ("maxpool_conv.1.double_conv.2.**", "maxpool_conv.layers.1.double_conv.layers.2.**", "identity"),
        ("maxpool_conv.1.double_conv.3.**", "maxpool_conv.layers.1.double_conv.layers.3.**", "identity"),
        ("maxpool_conv.1.double_conv.4.**", "maxpool_conv.layers.1.double_conv.layers.4.**", "identity"),
        ("maxpool_conv.1.double_conv.5.**", "maxpool_conv.layers.1.double_conv.layers.5.**", "identity"),
        ("maxpool_conv.0.**", "maxpool_conv.layers.0.**", "identity"),
        ("maxpool_conv.1.**", "maxpool_conv.layers.1.**", "identity"),
    ],
    "Up": [
        ("**.num_batches_tracked", None, "drop"),
        ("up.weight", "up.weight", "conv_transpose"),
        ("conv.double_conv.0.weight", "conv.double_conv.layers.0.weight", "conv"),
        ("conv.double_conv.1.num_batches_tracked", None, "drop"),
        ("conv.double_conv.3.weight", "conv.double_conv.layers.3.weight", "conv"),
        ("conv.double_conv.4.num_batches_tracked", None, "drop"),
        ("conv.double_conv.0.**", "conv.double_conv.layers.0.**", "identity"),
        ("conv.double_conv.1.**", "conv.double_conv.layers.1.**", "identity"),
        ("conv.double_conv.2.**", "conv.double_conv.layers.2.**", "identity"),
        ("conv.double_conv.3.**", "conv.double_conv.layers.3.**", "identity"),
        ("conv.double_conv.4.**", "conv.double_conv.layers.4.**", "identity"),
        ("conv.double_conv.5.**", "conv.double_conv.layers.5.**", "identity"),
    ],
    "OutConv": [
        ("conv.weight", "conv.weight", "conv"),
    ],
    "UNet": [
        ("**.num_batches_tracked", None, "drop"),
        ("inc.double_conv.0.weight", "inc.double_conv.layers.0.weight", "conv"),
        ("inc.double_conv.1.num_batches_tracked", None, "drop"),
        ("inc.double_conv.3.weight", "inc.double_conv.layers.3.weight", "conv"),
        ("inc.double_conv.4.num_batches_tracked", None, "drop"),
        ("down1.maxpool_conv.1.double_conv.0.weight", "down1.maxpool_conv.layers.1.double_conv.layers.0.weight", "conv"),
        ("down1.maxpool_conv.1.double_conv.1.num_batches_tracked", None, "drop"),
        ("down1.maxpool_conv.1.double_conv.3.weight", "down1.maxpool_conv.layers.1.double_conv.layers.3.weight", "conv"),
        ("down1.maxpool_conv.1.double_conv.4.num_batches_tracked", None, "drop"),
        ("down2.maxpool_conv.1.double_conv.0.weight", "down2.maxpool_conv.layers.1.double_conv.layers.0.weight", "conv"),
        ("down2.maxpool_conv.1.double_conv.1.num_batches_tracked", None, "drop"),
        ("down2.maxpool_conv.1.double_conv.3.weight", "down2.maxpool_conv.layers.1.double_conv.layers.3.weight", "conv"),
        ("down2.maxpool_conv.1.double_conv.4.num_batches_tracked", None, "drop"),
        ("down3.maxpool_conv.1.double_conv.0.weight", "down3.maxpool_conv.layers.1.double_conv.layers.0.weight", "conv"),
        ("down3.maxpool_conv.1.double_conv.1.num_batches_tracked", None, "drop"),
        ("down3.maxpool_conv.1.double_conv.3.weight", "down3.maxpool_conv.layers.1.double_conv.layers.3.weight", "conv"),
        ("down3.maxpool_conv.1.double_conv.4.num_batches_tracked", None, "drop"),
        ("down4.maxpool_conv.1.double_conv.0.weight", "down4.maxpool_conv.layers.1.double_conv.layers.0.weight", "conv"),
        ("down4.maxpool_conv.1.double_conv.1.num_batches_tracked", None, "drop"),
        ("down4.maxpool_conv.1.double_conv.3.weight", "down4.maxpool_conv.layers.1.double_conv.layers.3.weight", "conv"),
        ("down4.maxpool_conv.1.double_conv.4.num_batches_tracked", None, "drop"),
        ("up1.up.weight", "up1.up.weight", "conv_transpose"),
        ("up1.conv.double_conv.0.weight", "up1.conv.double_conv.layers.0.weight", "conv"),
        ("up1.conv.double_conv.1.num_batches_tracked", None, "drop"),
        ("up1.conv.double_conv.3.weight", "up1.conv.double_conv.layers.3.weight", "conv"),
        ("up1.conv.double_conv.4.num_batches_tracked", None, "drop"),
        ("up2.up.weight", "up2.up.weight", "conv_transpose"),
        ("up2.conv.double_conv.0.weight", "up2.conv.double_conv.layers.0.weight", "conv"),
        ("up2.conv.double_conv.1.num_batches_tracked", None, "drop"),
        ("up2.conv.double_conv.3.weight", "up2.conv.double_conv.layers.3.weight", "conv"),
        ("up2.conv.double_conv.4.num_batches_tracked", None, "drop"),
        ("up3.up.weight", "up3.up.weight", "conv_transpose"),
        ("up3.conv.double_conv.0.weight", "up3.conv.double_conv.layers.0.weight", "conv"),
        ("up3.conv.double_conv.1.num_batches_tracked", None, "drop"),
        ("up3.conv.double_conv.3.weight", "up3.conv.double_conv.layers.3.weight", "conv"),
        ("up3.conv.double_conv.4.num_batches_tracked", None, "drop"),
        ("up4.up.weight", "up4.up.weight", "conv_transpose"),
        ("up4.conv.double_conv.0.weight", "up4.conv.double_conv.layers.0.weight", "conv"),
        ("up4.conv.double_conv.1.num_batches_tracked", None, "drop"),
        ("up4.conv.double_conv.3.weight", "up4.conv.double_conv.layers.3.weight", "conv"),
        ("up4.conv.double_conv.4.num_batches_tracked", None, "drop"),
        ("outc.conv.weight", "outc.conv.weight", "conv"),
        ("down1.maxpool_conv.1.double_conv.0.**", "down1.maxpool_conv.layers.1.double_conv.layers.0.**", "identity"),
        ("down1.maxpool_conv.1.double_conv.1.**", "down1.maxpool_conv.layers.1.double_conv.layers.1.**", "identity"),
        ("down1.maxpool_conv.1.double_conv.2.**", "down1.maxpool_conv.layers.1.double_conv.layers.2.**", "identity"),
        ("down1.maxpool_conv.1.double_conv.3.**", "down1.maxpool_conv.layers.1.double_conv.layers.3.**", "identity"),
        ("down1.maxpool_conv.1.double_conv.4.**", "down1.maxpool_conv.layers.1.double_conv.layers.4.**", "identity"),
        ("down1.maxpool_conv.1.double_conv.5.**", "down1.maxpool_conv.layers.1.double_conv.layers.5.**", "identity"),
        ("down2.maxpool_conv.1.double_conv.0.**", "down2.maxpool_conv.layers.1.double_conv.layers.0.**", "identity"),
        ("down2.maxpool_conv.1.double_conv.1.**", "down2.maxpool_conv.layers.1.double_conv.layers.1.**", "identity"),
        ("down2.maxpool_conv.1.double_conv.2.**", "down2.maxpool_conv.layers.1.double_conv.layers.2.**", "identity"),
        ("down2.maxpool_conv.1.double_conv.3.**", "down2.maxpool_conv.layers.1.double_conv.layers.3.**", "identity"),
        ("down2.maxpool_conv.1.double_conv.4.**", "down2.maxpool_conv.layers.1.double_conv.layers.4.**", "identity"),
        ("down2.maxpool_conv.1.double_conv.5.**", "down2.maxpool_conv.layers.1.double_conv.layers.5.**", "identity"),
        ("down3.maxpool_conv.1.double_conv.0.**", "down3.maxpool_conv.layers.1.double_conv.layers.0.**", "identity"),
        ("down3.maxpool_conv.1.double_conv.1.**", "down3.maxpool_conv.layers.1.double_conv.layers.1.**", "identity"),
        ("down3.maxpool_conv.1.double_conv.2.**", "down3.maxpool_conv.layers.1.double_conv.layers.2.**", "identity"),
        ("down3.maxpool_conv.1.double_conv.3.**", "down3.maxpool_conv.layers.1.double_conv.layers.3.**", "identity"),
        ("down3.maxpool_conv.1.double_conv.4.**", "down3.maxpool_conv.layers.1.double_conv.layers.4.**", "identity"),
        ("down3.maxpool_conv.1.double_conv.5.**", "down3.maxpool_conv.layers.1.double_conv.layers.5.**", "identity"),
        ("down4.maxpool_conv.1.double_conv.0.**", "down4.maxpool_conv.layers.1.double_conv.layers.0.**", "identity"),
        ("down4.maxpool_conv.1.double_conv.1.**", "down4.maxpool_conv.layers.1.double_conv.layers.1.**", "identity"),
        ("down4.maxpool_conv.1.double_conv.2.**", "down4.maxpool_conv.layers.1.double_conv.layers.2.**", "identity"),
        ("down4.maxpool_conv.1.double_conv.3.**", "down4.maxpool_conv.layers.1.double_conv.layers.3.**", "identity"),
        ("down4.maxpool_conv.1.double_conv.4.**", "down4.maxpool_conv.layers.1.double_conv.layers.4.**", "identity"),
        ("down4.maxpool_conv.1.double_conv.5.**", "down4.maxpool_conv.layers.1.double_conv.layers.5.**", "identity"),
        ("up1.conv.double_conv.0.**", "up1.conv.double_conv.layers.0.**", "identity"),
        ("up1.conv.double_conv.1.**", "up1.conv.double_conv.layers.1.**", "identity"),
        ("up1.conv.double_conv.2.**", "up1.conv.double_conv.layers.2.**", "identity"),
        ("up1.conv.double_conv.3.**", "up1.conv.double_conv.layers.3.**", "identity"),
        ("up1.conv.double_conv.4.**", "up1.conv.double_conv.layers.4.**", "identity"),
        ("up1.conv.double_conv.5.**", "up1.conv.double_conv.layers.5.**", "identity"),
        ("up2.conv.double_conv.0.**", "up2.conv.double_conv.layers.0.**", "identity"),
        ("up2.conv.double_conv.1.**", "up2.conv.double_conv.layers.1.**", "identity"),
        ("up2.conv.double_conv.2.**", "up2.conv.double_conv.layers.2.**", "identity"),
        ("up2.conv.double_conv.3.**", "up2.conv.double_conv.layers.3.**", "identity"),
        ("up2.conv.double_conv.4.**", "up2.conv.double_conv.layers.4.**", "identity"),
        ("up2.conv.double_conv.5.**", "up2.conv.double_conv.layers.5.**", "identity"),
        ("up3.conv.double_conv.0.**", "up3.conv.double_conv.layers.0.**", "identity"),
        ("up3.conv.double_conv.1.**", "up3.conv.double_conv.layers.1.**", "identity"),
        ("up3.conv.double_conv.2.**", "up3.conv.double_conv.layers.2.**", "identity"),
        ("up3.conv.double_conv.3.**", "up3.conv.double_conv.layers.3.**", "identity"),
        ("up3.conv.double_conv.4.**", "up3.conv.double_conv.layers.4.**", "identity"),
        ("up3.conv.double_conv.5.**", "up3.conv.double_conv.layers.5.**", "identity"),
        ("up4.conv.double_conv.0.**", "up4.conv.double_conv.layers.0.**", "identity"),
        ("up4.conv.double_conv.1.**", "up4.conv.double_conv.layers.1.**", "identity"),
        ("up4.conv.double_conv.2.**", "up4.conv.double_conv.layers.2.**", "identity"),
        ("up4.conv.double_conv.3.**", "up4.conv.double_conv.layers.3.**", "identity"),
        ("up4.conv.double_conv.4.**", "up4.conv.double_conv.layers.4.**", "identity"),
        ("up4.conv.double_conv.5.**", "up4.conv.double_conv.layers.5.**", "identity"),
        ("inc.double_conv.0.**", "inc.double_conv.layers.0.**", "identity"),
        ("inc.double_conv.1.**", "inc.double_conv.layers.1.**", "identity"),
        ("inc.double_conv.2.**", "inc.double_conv.layers.2.**", "identity"),
        ("inc.double_conv.3.**", "inc.double_conv.layers.3.**", "identity"),
        ("inc.double_conv.4.**", "inc.double_conv.layers.4.**", "identity"),
        ("inc.double_conv.5.**", "inc.double_conv.layers.5.**", "identity"),
        ("down1.maxpool_conv.0.**", "down1.maxpool_conv.layers.0.**", "identity"),
        ("down1.maxpool_conv.1.**", "down1.maxpool_conv.layers.1.**", "identity"),
        ("down2.maxpool_conv.0.**", "down2.maxpool_conv.layers.0.**", "identity"),
        ("down2.maxpool_conv.1.**", "down2.maxpool_conv.layers.1.**", "identity"),
        ("down3.maxpool_conv.0.**", "down3.maxpool_conv.layers.0.**", "identity"),
        ("down3.maxpool_conv.1.**", "down3.maxpool_conv.layers.1.**", "identity"),
        ("down4.maxpool_conv.0.**", "down4.maxpool_conv.layers.0.**", "identity"),
        ("down4.maxpool_conv.1.**", "down4.maxpool_conv.layers.1.**", "identity"),
    ],
}
