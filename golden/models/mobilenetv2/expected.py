"""MobileNetV2, as torchvision.models.mobilenet (v0.5) writes it."""
import mlx.core as mx
import mlx.nn as nn
import math
import re


def c2m_modules(module):
    """torch's Module.modules(): the module and its submodules depth first, children in the order they were added.
    MLX's modules() visits them last to first; MUNIT hands out its AdaIN parameters in this order."""
    out, seen = [], set()

    def visit(v):
        if isinstance(v, (list, tuple)):
            for x in v:
                visit(x)
        elif isinstance(v, dict) and not isinstance(v, nn.Module):
            for x in v.values():
                visit(x)
        elif isinstance(v, nn.Module) and id(v) not in seen:
            seen.add(id(v))
            out.append(v)
            for x in dict.values(v):
                visit(x)

    visit(module)
    return out


def ops_adaptive_avg_pool(input, output_size):
    """torch F.adaptive_avg_pool1d/2d/3d on a channels-last (N, *spatial, C) input: output cell i along
    an axis of length L averages positions floor(i*L/out) .. ceil((i+1)*L/out), as torch does (the
    cells are boxes, so the axes are pooled one after another); None keeps that size."""
    n_spatial = input.ndim - 2
    sizes = (output_size,) * n_spatial if isinstance(output_size, int) else tuple(output_size)
    x = input
    for k, out in enumerate(sizes):
        axis, length = 1 + k, input.shape[1 + k]
        out = out or length
        if length % out == 0:
            shape = x.shape[:axis] + (out, length // out) + x.shape[axis + 1:]
            x = mx.mean(x.reshape(shape), axis=axis + 1)
        else:
            cells = [mx.mean(mx.take(x, mx.arange((i * length) // out, -(-((i + 1) * length) // out)), axis=axis), axis=axis) for i in range(out)]
            x = mx.stack(cells, axis=axis)
    return x


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


def _make_divisible(v, divisor, min_value=None):
    """
    This function is taken from the original tf repo.
    It ensures that all layers have a channel number that is divisible by 8
    It can be seen here:
    https://github.com/tensorflow/models/blob/master/research/slim/nets/mobilenet/mobilenet.py
    :param v:
    :param divisor:
    :param min_value:
    :return:
    """
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    # Make sure that round down does not go down by more than 10%.
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


class ConvBNReLU(nn.Sequential):
    def __init__(self, in_planes, out_planes, kernel_size=3, stride=1, groups=1):
        padding = (kernel_size - 1) // 2
        super(ConvBNReLU, self).__init__(
            nn.Conv2d(in_planes, out_planes, kernel_size, stride, padding, groups=groups, bias=False),
            nn.BatchNorm(out_planes),
            nn.ReLU6()
        )


class InvertedResidual(nn.Module):
    def __init__(self, inp, oup, stride, expand_ratio):
        super(InvertedResidual, self).__init__()
        self.stride = stride
        assert stride in [1, 2]

        hidden_dim = int(round(inp * expand_ratio))
        self.use_res_connect = self.stride == 1 and inp == oup

        layers = []
        if expand_ratio != 1:
            # pw
            layers.append(ConvBNReLU(inp, hidden_dim, kernel_size=1))
        layers.extend([
            # dw
            ConvBNReLU(hidden_dim, hidden_dim, stride=stride, groups=hidden_dim),
            # pw-linear
            nn.Conv2d(hidden_dim, oup, 1, 1, 0, bias=False),
            nn.BatchNorm(oup),
        ])
        self.conv = nn.Sequential(*layers)

    def __call__(self, x):
        if self.use_res_connect:
            return x + self.conv(x)
        else:
            return self.conv(x)


class MobileNetV2(nn.Module):
    def __init__(self,
                 num_classes=1000,
                 width_mult=1.0,
                 inverted_residual_setting=None,
                 round_nearest=8):
        """
        MobileNet V2 main class

        Args:
            num_classes (int): Number of classes
            width_mult (float): Width multiplier - adjusts number of channels in each layer by this amount
            inverted_residual_setting: Network structure
            round_nearest (int): Round the number of channels in each layer to be a multiple of this number
            Set to 1 to turn off rounding
        """
        super(MobileNetV2, self).__init__()
        block = InvertedResidual
        input_channel = 32
        last_channel = 1280

        if inverted_residual_setting is None:
            inverted_residual_setting = [
                # t, c, n, s
                [1, 16, 1, 1],
                [6, 24, 2, 2],
                [6, 32, 3, 2],
                [6, 64, 4, 2],
                [6, 96, 3, 1],
                [6, 160, 3, 2],
                [6, 320, 1, 1],
            ]

        # only check the first element, assuming user knows t,c,n,s are required
        if len(inverted_residual_setting) == 0 or len(inverted_residual_setting[0]) != 4:
            raise ValueError("inverted_residual_setting should be non-empty "
                             "or a 4-element list, got {}".format(inverted_residual_setting))

        # building first layer
        input_channel = _make_divisible(input_channel * width_mult, round_nearest)
        self.last_channel = _make_divisible(last_channel * max(1.0, width_mult), round_nearest)
        features = [ConvBNReLU(3, input_channel, stride=2)]
        # building inverted residual blocks
        for t, c, n, s in inverted_residual_setting:
            output_channel = _make_divisible(c * width_mult, round_nearest)
            for i in range(n):
                stride = s if i == 0 else 1
                features.append(block(input_channel, output_channel, stride, expand_ratio=t))
                input_channel = output_channel
        # building last several layers
        features.append(ConvBNReLU(input_channel, self.last_channel, kernel_size=1))
        # make it nn.Sequential
        self.features = nn.Sequential(*features)

        # building classifier
        self.classifier = nn.Sequential(
            nn.Dropout(0.2),
            nn.Linear(self.last_channel, num_classes),
        )

        # weight initialization
        for m in c2m_modules(self):
            if isinstance(m, nn.Conv2d):
                m.weight = nn.init.he_normal()(m.weight, mode='fan_out', gain=math.sqrt(2.0))
                if "bias" in m:
                    m.bias = mx.zeros_like(m.bias)
            elif isinstance(m, nn.BatchNorm):
                m.weight = mx.ones_like(m.weight)
                m.bias = mx.zeros_like(m.bias)
            elif isinstance(m, nn.Linear):
                m.weight = nn.init.normal(0, 0.01)(m.weight)
                m.bias = mx.zeros_like(m.bias)

    def _forward_impl(self, x):
        # This exists since TorchScript doesn't support inheritance, so the superclass method
        # (this one) needs to have a name other than `forward` that can be accessed in a subclass
        x = x.transpose(0, 2, 3, 1)
        x = self.features(x)
        # Cannot use "squeeze" as batch-size can be 1 => must use reshape with x.shape[0]
        x = ops_adaptive_avg_pool(x, 1).reshape(x.shape[0], -1)
        x = self.classifier(x)
        return x

    def __call__(self, x):
        return self._forward_impl(x)

    def sanitize(self, weights):
        """Convert a torch state_dict (as MLX arrays) to this module's parameters."""
        return c2m_apply_weight_map(weights, C2M_WEIGHT_MAPS["MobileNetV2"])


# c2m: torch state_dict keys and layouts -> MLX parameters (read by `c2m weights --map` and sanitize())
C2M_TOP_LEVEL = "MobileNetV2"
C2M_WEIGHT_MAPS = {
    "ConvBNReLU": [
        ("**.num_batches_tracked", None, "drop"),
        ("0.weight", "layers.0.weight", "conv"),
        ("1.num_batches_tracked", None, "drop"),
        ("0.**", "layers.0.**", "identity"),
        ("1.**", "layers.1.**", "identity"),
        ("2.**", "layers.2.**", "identity"),
    ],
    "InvertedResidual": [
        ("**.num_batches_tracked", None, "drop"),
        ("conv.#.0.weight", "conv.layers.#.layers.0.weight", "conv"),
        ("conv.#.1.num_batches_tracked", None, "drop"),
        ("conv.#.weight", "conv.layers.#.weight", "conv"),
        ("conv.#.num_batches_tracked", None, "drop"),
        ("conv.#.0.**", "conv.layers.#.layers.0.**", "identity"),
        ("conv.#.1.**", "conv.layers.#.layers.1.**", "identity"),
        ("conv.#.2.**", "conv.layers.#.layers.2.**", "identity"),
        ("conv.#.**", "conv.layers.#.**", "identity"),
    ],
    "MobileNetV2": [
        ("**.num_batches_tracked", None, "drop"),
        ("features.#.0.weight", "features.layers.#.layers.0.weight", "conv"),
        ("features.#.1.num_batches_tracked", None, "drop"),
        ("features.#.conv.#.0.weight", "features.layers.#.conv.layers.#.layers.0.weight", "conv"),
        ("features.#.conv.#.1.num_batches_tracked", None, "drop"),
        ("features.#.conv.#.weight", "features.layers.#.conv.layers.#.weight", "conv"),
        ("features.#.conv.#.num_batches_tracked", None, "drop"),
        ("features.#.conv.#.0.**", "features.layers.#.conv.layers.#.layers.0.**", "identity"),
        ("features.#.conv.#.1.**", "features.layers.#.conv.layers.#.layers.1.**", "identity"),
        ("features.#.conv.#.2.**", "features.layers.#.conv.layers.#.layers.2.**", "identity"),
        ("features.#.conv.#.**", "features.layers.#.conv.layers.#.**", "identity"),
        ("features.#.0.**", "features.layers.#.layers.0.**", "identity"),
        ("features.#.1.**", "features.layers.#.layers.1.**", "identity"),
        ("features.#.2.**", "features.layers.#.layers.2.**", "identity"),
        ("features.#.**", "features.layers.#.**", "identity"),
        ("classifier.0.**", "classifier.layers.0.**", "identity"),
        ("classifier.1.**", "classifier.layers.1.**", "identity"),
    ],
}
