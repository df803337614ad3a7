# A DiT block the way facebookresearch/DiT writes it (models.py), with timm's classic vision-transformer
# Attention and Mlp inlined: hand-written softmax(QK^T * scale)V attention, adaLN-Zero modulation.
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


class TorchGELU(nn.GELU):
    """torch.nn.GELU's constructor arguments for MLX's nn.GELU (the class is passed as a value and built later)."""

    def __init__(self, approximate='none', device=None, dtype=None):
        super().__init__(approx=approximate)
        for name, value in (("approximate", approximate),):
            if not hasattr(self, name):
                setattr(self, name, value)

    def forward(self, *args, **kwargs):
        return nn.GELU.__call__(self, *args, **kwargs)


TorchGELU.__name__ = TorchGELU.__qualname__ = "GELU"


def modulate(x, shift, scale):
    return x * (1 + mx.expand_dims(scale, 1)) + mx.expand_dims(shift, 1)


class Attention(nn.Module):
    def __init__(self, dim, num_heads=8, qkv_bias=False, attn_drop=0.0, proj_drop=0.0):
        super().__init__()
        self.num_heads = num_heads
        head_dim = dim // num_heads
        self.scale = head_dim ** -0.5

        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.attn_drop = nn.Dropout(attn_drop)
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)

    def __call__(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.num_heads, C // self.num_heads).transpose(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]   # make torchscript happy (cannot use tensor as tuple)

        x = mx.fast.scaled_dot_product_attention(q, k, v, scale=self.scale).swapaxes(1, 2).reshape(B, N, C)

        x = self.proj(x)
        x = self.proj_drop(x)
        return x


class Mlp(nn.Module):
    def __init__(self, in_features, hidden_features, act_layer=TorchGELU, drop=0.0):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.act = act_layer()
        self.fc2 = nn.Linear(hidden_features, in_features)
        self.drop = nn.Dropout(drop)

    def __call__(self, x):
        x = self.fc1(x)
        x = self.act(x)
        x = self.drop(x)
        x = self.fc2(x)
        x = self.drop(x)
        return x


class DiTBlock(nn.Module):
    """
    A DiT block with adaptive layer norm zero (adaLN-Zero) conditioning.
    """
    def __init__(self, hidden_size, num_heads, mlp_ratio=4.0):
        super().__init__()
        self.norm1 = nn.LayerNorm(hidden_size, eps=1e-6, affine=False)
        self.attn = Attention(hidden_size, num_heads=num_heads, qkv_bias=True)
        self.norm2 = nn.LayerNorm(hidden_size, eps=1e-6, affine=False)
        mlp_hidden_dim = int(hidden_size * mlp_ratio)
        approx_gelu = lambda: nn.GELU(approx="tanh")
        self.mlp = Mlp(in_features=hidden_size, hidden_features=mlp_hidden_dim, act_layer=approx_gelu, drop=0)
        self.adaLN_modulation = nn.Sequential(
            nn.SiLU(),
            nn.Linear(hidden_size, 6 * hidden_size, bias=True)
        )

    def __call__(self, x, c):
        shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp = mx.split(self.adaLN_modulation(c), 6, axis=1)
        x = x + mx.expand_dims(gate_msa, 1) * self.attn(modulate(self.norm1(x), shift_msa, scale_msa))
        x = x + mx.expand_dims(gate_mlp, 1) * self.mlp(modulate(self.norm2(x), shift_mlp, scale_mlp))
        return x

    def sanitize(self, weights):
        """Convert a torch state_dict (as MLX arrays) to this module's parameters."""
        return c2m_apply_weight_map(weights, C2M_WEIGHT_MAPS["DiTBlock"])


# c2m: torch state_dict keys and layouts -> MLX parameters (read by `c2m weights --map` and sanitize())
C2M_TOP_LEVEL = "DiTBlock"
C2M_WEIGHT_MAPS = {
    "Attention": [],
    "Mlp": [],
    "DiTBlock": [
        ("**.num_batches_tracked", None, "drop"),
        ("adaLN_modulation.0.**", "adaLN_modulation.layers.0.**", "identity"),
        ("adaLN_modulation.1.**", "adaLN_modulation.layers.1.**", "identity"),
    ],
}
