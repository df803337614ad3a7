""" Vision Transformer (ViT) in PyTorch

A PyTorch implement of Vision Transformers as described in:
'An Image Is Worth 16 x 16 Words: Transformers for Image Recognition at Scale'
    - https://arxiv.org/abs/2010.11929

Written after timm's vision_transformer.py, reduced to the parts a small ViT uses.
"""
import mlx.core as mx
import mlx.nn as nn
import re


def ops_expand(input, *sizes):
    """torch Tensor.expand / torch.broadcast_to: broadcast to `sizes`, where -1 keeps that dimension."""
    if len(sizes) == 1 and not isinstance(sizes[0], int):
        sizes = tuple(sizes[0])
    lead = len(sizes) - input.ndim
    shape = [input.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes)]
    return mx.broadcast_to(input, shape)


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


class TorchLayerNorm(nn.LayerNorm):
    """torch.nn.LayerNorm's constructor arguments for MLX's nn.LayerNorm (the class is passed as a value and built later)."""

    def __init__(self, normalized_shape, eps=1e-05, elementwise_affine=True, bias=True, device=None, dtype=None):
        super().__init__(normalized_shape, eps=eps, affine=elementwise_affine, bias=bias)
        for name, value in (("normalized_shape", normalized_shape), ("eps", eps), ("elementwise_affine", elementwise_affine),):
            if not hasattr(self, name):
                setattr(self, name, value)
        for name in ("weight", "bias"):
            if not hasattr(self, name):
                setattr(self, name, None)

    def forward(self, *args, **kwargs):
        return nn.LayerNorm.__call__(self, *args, **kwargs)

    def reset_parameters(self):
        """torch re-draws the layer's initial parameters here; MLX's nn.LayerNorm drew them when it was built."""


TorchLayerNorm.__name__ = TorchLayerNorm.__qualname__ = "LayerNorm"


class PatchEmbed(nn.Module):
    """ Image to Patch Embedding
    """
    def __init__(self, img_size=224, patch_size=16, in_chans=3, embed_dim=768):
        super().__init__()
        self.img_size = (img_size, img_size)
        self.patch_size = (patch_size, patch_size)
        self.num_patches = (img_size // patch_size) * (img_size // patch_size)

        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)

    def __call__(self, x):
        B, H, W, C = x.shape
        assert H == self.img_size[0] and W == self.img_size[1], \
            f"Input image size ({H}*{W}) doesn't match model ({self.img_size[0]}*{self.img_size[1]})."
        x = mx.flatten(self.proj(x), 1, -2)  # BCHW -> BNC
        return x


class Mlp(nn.Module):
    """ MLP as used in Vision Transformer, MLP-Mixer and related networks
    """
    def __init__(self, in_features, hidden_features=None, out_features=None, act_layer=TorchGELU, drop=0.):
        super().__init__()
        out_features = out_features or in_features
        hidden_features = hidden_features or in_features
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.act = act_layer()
        self.fc2 = nn.Linear(hidden_features, out_features)
        self.drop = nn.Dropout(drop)

    def __call__(self, x):
        x = self.fc1(x)
        x = self.act(x)
        x = self.drop(x)
        x = self.fc2(x)
        x = self.drop(x)
        return x


class Attention(nn.Module):
    def __init__(self, dim, num_heads=8, qkv_bias=False, attn_drop=0., proj_drop=0.):
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


class Block(nn.Module):

    def __init__(self, dim, num_heads, mlp_ratio=4., qkv_bias=False, drop=0., attn_drop=0.,
                 act_layer=TorchGELU, norm_layer=TorchLayerNorm):
        super().__init__()
        self.norm1 = norm_layer(dim)
        self.attn = Attention(dim, num_heads=num_heads, qkv_bias=qkv_bias, attn_drop=attn_drop, proj_drop=drop)
        self.norm2 = norm_layer(dim)
        mlp_hidden_dim = int(dim * mlp_ratio)
        self.mlp = Mlp(in_features=dim, hidden_features=mlp_hidden_dim, act_layer=act_layer, drop=drop)

    def __call__(self, x):
        x = x + self.attn(self.norm1(x))
        x = x + self.mlp(self.norm2(x))
        return x


class VisionTransformer(nn.Module):
    """ Vision Transformer

    A PyTorch impl of : `An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale`
        - https://arxiv.org/abs/2010.11929
    """

    def __init__(self, img_size=224, patch_size=16, in_chans=3, num_classes=1000, embed_dim=768, depth=12,
                 num_heads=12, mlp_ratio=4., qkv_bias=True, drop_rate=0., attn_drop_rate=0.):
        """
        Args:
            img_size (int): input image size
            patch_size (int): patch size
            in_chans (int): number of input channels
            num_classes (int): number of classes for classification head
            embed_dim (int): embedding dimension
            depth (int): depth of transformer
            num_heads (int): number of attention heads
            mlp_ratio (int): ratio of mlp hidden dim to embedding dim
            qkv_bias (bool): enable bias for qkv if True
            drop_rate (float): dropout rate
            attn_drop_rate (float): attention dropout rate
        """
        super().__init__()
        self.num_classes = num_classes
        self.num_features = self.embed_dim = embed_dim  # num_features for consistency with other models

        self.patch_embed = PatchEmbed(
            img_size=img_size, patch_size=patch_size, in_chans=in_chans, embed_dim=embed_dim)
        num_patches = self.patch_embed.num_patches

        self.cls_token = mx.zeros((1, 1, embed_dim))
        self.pos_embed = mx.zeros((1, num_patches + 1, embed_dim))
        self.pos_drop = nn.Dropout(p=drop_rate)

        self.blocks = nn.Sequential(*[
            Block(
                dim=embed_dim, num_heads=num_heads, mlp_ratio=mlp_ratio, qkv_bias=qkv_bias,
                drop=drop_rate, attn_drop=attn_drop_rate)
            for i in range(depth)])
        self.norm = nn.LayerNorm(embed_dim)

        # Classifier head
        self.head = nn.Linear(self.num_features, num_classes) if num_classes > 0 else nn.Identity()

        self.pos_embed = 0.0 + .02 * mx.random.truncated_normal((-2.0 - 0.0) / .02, (2.0 - 0.0) / .02, self.pos_embed.shape)
        self.cls_token = 0.0 + .02 * mx.random.truncated_normal((-2.0 - 0.0) / .02, (2.0 - 0.0) / .02, self.cls_token.shape)
        pass  # c2m: C2M-W011 self.apply(init_fn) not translated (MLX's Module.apply maps parameters)

    def _init_weights(self, m):
        if isinstance(m, nn.Linear):
            m.weight = 0.0 + .02 * mx.random.truncated_normal((-2.0 - 0.0) / .02, (2.0 - 0.0) / .02, m.weight.shape)
            if isinstance(m, nn.Linear) and "bias" in m:
                m.bias = mx.full(m.bias.shape, 0, dtype=m.bias.dtype)
        elif isinstance(m, nn.LayerNorm):
            m.bias = mx.full(m.bias.shape, 0, dtype=m.bias.dtype)
            m.weight = mx.full(m.weight.shape, 1.0, dtype=m.weight.dtype)

    def forward_features(self, x):
        x = x.transpose(0, 2, 3, 1)
        B = x.shape[0]
        x = self.patch_embed(x)

        cls_tokens = ops_expand(self.cls_token, B, -1, -1)  # stole cls_tokens impl from Phil Wang, thanks
        x = mx.concatenate((cls_tokens, x), axis=1)
        x = x + self.pos_embed
        x = self.pos_drop(x)

        x = self.blocks(x)
        x = self.norm(x)
        return x[:, 0]

    def __call__(self, x):
        x = self.forward_features(x)
        x = self.head(x)
        return x

    def sanitize(self, weights):
        """Convert a torch state_dict (as MLX arrays) to this module's parameters."""
        return c2m_apply_weight_map(weights, C2M_WEIGHT_MAPS["VisionTransformer"])


# c2m: torch state_dict keys and layouts -> MLX parameters (read by `c2m weights --map` and sanitize())
C2M_TOP_LEVEL = "VisionTransformer"
C2M_WEIGHT_MAPS = {
    "PatchEmbed": [
        ("proj.weight", "proj.weight", "conv"),
    ],
    "Mlp": [],
    "Attention": [],
    "Block": [],
    "VisionTransformer": [
        ("**.num_batches_tracked", None, "drop"),
        ("patch_embed.proj.weight", "patch_embed.proj.weight", "conv"),
        ("blocks.#.**", "blocks.layers.#.**", "identity"),
    ],
}
