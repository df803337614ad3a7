"""ResNet-18, written the way torchvision.models.resnet writes it.

`width` scales the number of channels (64 in the paper) so that the model stays small; the structure
(a 7x7 stem, four stages of two BasicBlocks, downsample shortcuts) is the real one.
"""
import mlx.core as mx
import mlx.nn as nn
import math
import re


def adaptive_pool(x, output_size, reduce):
    # torch's adaptive pooling on channels-last x (N, *spatial, C): output cell i of an axis of
    # length n covers [floor(i*n/out), ceil((i+1)*n/out)). Pooling over a product of such ranges
    # is separable, so each spatial axis is reduced on its own.
    spatial = x.ndim - 2
    if not isinstance(output_size, (tuple, list)):
        output_size = (output_size,) * spatial
    for axis, out in zip(range(x.ndim - 1 - spatial, x.ndim - 1), output_size):
        n = x.shape[axis]
        if out is None or out == n:
            continue
        if n % out == 0:
            # Equal bins: one reshape and one reduction.
            shape = x.shape[:axis] + (out, n // out) + x.shape[axis + 1 :]
            x = reduce(x.reshape(shape), axis=axis + 1)
        else:
            lead = (slice(None),) * axis
            bins = [
                reduce(x[lead + (slice((i * n) // out, -(-(i + 1) * n // out)),)], axis=axis, keepdims=True)
                for i in range(out)
            ]
            x = mx.concatenate(bins, axis=axis)
    return x


class AdaptiveAvgPool2d(nn.Module):
    """torch.nn.AdaptiveAvgPool2d on channels-last input (N, H, W, C)."""

    def __init__(self, output_size):
        super().__init__()
        self._output_size = output_size

    def __call__(self, x):
        if self._output_size in (1, (1, 1)):
            # Global pooling, the common case in classifier heads.
            return mx.mean(x, axis=(-3, -2), keepdims=True)
        return adaptive_pool(x, self._output_size, mx.mean)


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


def conv3x3(in_planes, out_planes, stride=1):
    """3x3 convolution with padding"""
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)


def conv1x1(in_planes, out_planes, stride=1):
    """1x1 convolution"""
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super(BasicBlock, self).__init__()
        # Both self.conv1 and self.downsample layers downsample the input when stride != 1
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm(planes)
        self.relu = nn.ReLU()
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm(planes)
        self.downsample = downsample
        self.stride = stride

    def __call__(self, x):
        identity = x

        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)

        out = self.conv2(out)
        out = self.bn2(out)

        if self.downsample is not None:
            identity = self.downsample(x)

        out += identity
        out = self.relu(out)

        return out


class ResNet(nn.Module):

    def __init__(self, block, layers, num_classes=1000, width=64, zero_init_residual=False):
        super(ResNet, self).__init__()
        self.inplanes = width
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm(self.inplanes)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, width, layers[0])
        self.layer2 = self._make_layer(block, width * 2, layers[1], stride=2)
        self.layer3 = self._make_layer(block, width * 4, layers[2], stride=2)
        self.layer4 = self._make_layer(block, width * 8, layers[3], stride=2)
        self.avgpool = AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(width * 8 * block.expansion, num_classes)

        for m in c2m_modules(self):
            if isinstance(m, nn.Conv2d):
                m.weight = nn.init.he_normal()(m.weight, mode='fan_out', gain=math.sqrt(2.0))
            elif isinstance(m, (nn.BatchNorm, nn.GroupNorm)):
                m.weight = mx.full(m.weight.shape, 1, dtype=m.weight.dtype)
                m.bias = mx.full(m.bias.shape, 0, dtype=m.bias.dtype)

        # Zero-initialize the last BN in each residual branch,
        # so that the residual branch starts with zeros, and each residual block behaves like an identity.
        # This improves the model by 0.2~0.3% according to https://arxiv.org/abs/1706.02677
        if zero_init_residual:
            for m in c2m_modules(self):
                if isinstance(m, BasicBlock):
                    m.bn2.weight = mx.full(m.bn2.weight.shape, 0, dtype=m.bn2.weight.dtype)

    def _make_layer(self, block, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                conv1x1(self.inplanes, planes * block.expansion, stride),
                nn.BatchNorm(planes * block.expansion),
            )

        layers = []
        layers.append(block(self.inplanes, planes, stride, downsample))
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes))

        return nn.Sequential(*layers)

    def __call__(self, x):
        x = x.transpose(0, 2, 3, 1)
        x = self.conv1(x)
        x = self.bn1(x)
        x = self.relu(x)
        x = self.maxpool(x)

        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)

        x = self.avgpool(x)
        x = mx.flatten(x, start_axis=1)
        x = self.fc(x)

        return x

    def sanitize(self, weights):
        """Convert a torch state_dict (as MLX arrays) to this module's parameters."""
        return c2m_apply_weight_map(weights, C2M_WEIGHT_MAPS["ResNet"])


def resnet18(**kwargs):
    """ResNet-18 model from "Deep Residual Learning for Image Recognition" <https://arxiv.org/pdf/1512.03385.pdf>"""
    return ResNet(BasicBlock, [2, 2, 2, 2], **kwargs)


# c2m: torch state_dict keys and layouts -> MLX parameters (read by `c2m weights --map` and sanitize())
C2M_TOP_LEVEL = "ResNet"
C2M_WEIGHT_MAPS = {
    "BasicBlock": [
        ("**.num_batches_tracked", None, "drop"),
        ("conv1.weight", "conv1.weight", "conv"),
        ("bn1.num_batches_tracked", None, "drop"),
        ("conv2.weight", "conv2.weight", "conv"),
        ("bn2.num_batches_tracked", None, "drop"),
        ("downsample.0.weight", "downsample.layers.0.weight", "conv"),
        ("downsample.1.num_batches_tracked", None, "drop"),
        ("downsample.0.**", "downsample.layers.0.**", "identity"),
        ("downsample.1.**", "downsample.layers.1.**", "identity"),
    ],
    "ResNet": [
        ("**.num_batches_tracked", None, "drop"),
        ("conv1.weight", "conv1.weight", "conv"),
        ("bn1.num_batches_tracked", None, "drop"),
        ("layer1.#.conv1.weight", "layer1.layers.#.conv1.weight", "conv"),
        ("layer1.#.bn1.num_batches_tracked", None, "drop"),
        ("layer1.#.conv2.weight", "layer1.layers.#.conv2.weight", "conv"),
        ("layer1.#.bn2.num_batches_tracked", None, "drop"),
        ("layer1.#.downsample.0.weight", "layer1.layers.#.downsample.layers.0.weight", "conv"),
        ("layer1.#.downsample.1.num_batches_tracked", None, "drop"),
        ("layer2.#.conv1.weight", "layer2.layers.#.conv1.weight", "conv"),
        ("layer2.#.bn1.num_batches_tracked", None, "drop"),
        ("layer2.#.conv2.weight", "layer2.layers.#.conv2.weight", "conv"),
        ("layer2.#.bn2.num_batches_tracked", None, "drop"),
        ("layer2.#.downsample.0.weight", "layer2.layers.#.downsample.layers.0.weight", "conv"),
        ("layer2.#.downsample.1.num_batches_tracked", None, "drop"),
        ("layer3.#.conv1.weight", "layer3.layers.#.conv1.weight", "conv"),
        ("layer3.#.bn1.num_batches_tracked", None, "drop"),
        ("layer3.#.conv2.weight", "layer3.layers.#.conv2.weight", "conv"),
        ("layer3.#.bn2.num_batches_tracked", None, "drop"),
        ("layer3.#.downsample.0.weight", "layer3.layers.#.downsample.layers.0.weight", "conv"),
        ("layer3.#.downsample.1.num_batches_tracked", None, "drop"),
        ("layer4.#.conv1.weight", "layer4.layers.#.conv1.weight", "conv"),
        ("layer4.#.bn1.num_batches_tracked", None, "drop"),
        ("layer4.#.conv2.weight", "layer4.layers.#.conv2.weight", "conv"),
        ("layer4.#.bn2.num_batches_tracked", None, "drop"),
        ("layer4.#.downsample.0.weight", "layer4.layers.#.downsample.layers.0.weight", "conv"),
        ("layer4.#.downsample.1.num_batches_tracked", None, "drop"),
        ("layer1.#.downsample.0.**", "layer1.layers.#.downsample.layers.0.**", "identity"),
        ("layer1.#.downsample.1.**", "layer1.layers.#.downsample.layers.1.**", "identity"),
        ("layer2.#.downsample.0.**", "layer2.layers.#.downsample.layers.0.**", "identity"),
        ("layer2.#.downsample.1.**", "layer2.layers.#.downsample.layers.1.**", "identity"),
        ("layer3.#.downsample.0.**", "layer3.layers.#.downsample.layers.0.**", "identity"),
        ("layer3.#.downsample.1.**", "layer3.layers.#.downsample.layers.1.**", "identity"),
        ("layer4.#.downsample.0.**", "layer4.layers.#.downsample.layers.0.**", "identity"),
        ("layer4.#.downsample.1.**", "layer4.layers.#.downsample.layers.1.**", "identity"),
        ("layer1.#.**", "layer1.layers.#.**", "identity"),
        ("layer2.#.**", "layer2.layers.#.**", "identity"),
        ("layer3.#.**", "layer3.layers.#.**", "identity"),
        ("layer4.#.**", "layer4.layers.#.**", "identity"),
    ],
}
