"""The DCGAN generator from pytorch/examples (dcgan/main.py)."""
import mlx.core as mx
import mlx.nn as nn
import re


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


# custom weights initialization called on netG and netD
def weights_init(m):
    classname = m.__class__.__name__
    if classname.find('Conv') != -1:
        m.weight = nn.init.normal(0.0, 0.02)(m.weight)
    elif classname.find('BatchNorm') != -1:
        m.weight = nn.init.normal(1.0, 0.02)(m.weight)
        m.bias = mx.zeros_like(m.bias)


class Generator(nn.Module):
    def __init__(self, ngpu, nz=100, ngf=64, nc=3):
        super(Generator, self).__init__()
        self.ngpu = ngpu
        self.main = nn.Sequential(
            # input is Z, going into a convolution
            nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False),
            nn.BatchNorm(ngf * 8),
            nn.ReLU(),
            # state size. (ngf*8) x 4 x 4
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False),
            nn.BatchNorm(ngf * 4),
            nn.ReLU(),
            # state size. (ngf*4) x 8 x 8
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm(ngf * 2),
            nn.ReLU(),
            # state size. (ngf*2) x 16 x 16
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
            nn.BatchNorm(ngf),
            nn.ReLU(),
            # state size. (ngf) x 32 x 32
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),
            nn.Tanh()
            # state size. (nc) x 64 x 64
        )

    def __call__(self, input):
        input = input.transpose(0, 2, 3, 1)
        if False and self.ngpu > 1:
            output = nn.parallel.data_parallel(self.main, input.transpose(0, 3, 1, 2), range(self.ngpu))  # c2m: C2M-W002 torch.nn.parallel.data_parallel has no MLX mapping
        else:
            output = self.main(input)
            output = output.transpose(0, 3, 1, 2)
        return output

    def sanitize(self, weights):
        """Convert a torch state_dict (as MLX arrays) to this module's parameters."""
        return c2m_apply_weight_map(weights, C2M_WEIGHT_MAPS["Generator"])


# c2m: torch state_dict keys and layouts -> MLX parameters (read by `c2m weights --map` and sanitize())
C2M_TOP_LEVEL = "Generator"
C2M_WEIGHT_MAPS = {
    "Generator": [
        ("**.num_batches_tracked", None, "drop"),
        ("main.0.weight", "main.layers.0.weight", "conv_transpose"),
        ("main.1.num_batches_tracked", None, "drop"),
        ("main.3.weight", "main.layers.3.weight", "conv_transpose"),
        ("main.4.num_batches_tracked", None, "drop"),
        ("main.6.weight", "main.layers.6.weight", "conv_transpose"),
        ("main.7.num_batches_tracked", None, "drop"),
        ("main.9.weight", "main.layers.9.weight", "conv_transpose"),
        ("main.10.num_batches_tracked", None, "drop"),
        ("main.12.weight", "main.layers.12.weight", "conv_transpose"),
        ("main.0.**", "main.layers.0.**", "identity"),
        ("main.1.**", "main.layers.1.**", "identity"),
        ("main.2.**", "main.layers.2.**", "identity"),
        ("main.3.**", "main.layers.3.**", "identity"),
        ("main.4.**", "main.layers.4.**", "identity"),
        ("main.5.**", "main.layers.5.**", "identity"),
        ("main.6.**", "main.layers.6.**", "identity"),
        ("main.7.**", "main.layers.7.**", "identity"),
        ("main.8.**", "main.layers.8.**", "identity"),
        ("main.9.**", "main.layers.9.**", "identity"),
        ("main.10.**", "main.layers.10.**", "identity"),
        ("main.11.**", "main.layers.11.**", "identity"),
        ("main.12.**", "main.layers.12.**", "identity"),
        ("main.13.**", "main.layers.13.**", "identity"),
    ],
}
