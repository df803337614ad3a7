# Axial 2D rotary embeddings the way naver-ai/rope-vit (models/vit_rope.py) writes them: x and y
# frequency tables from torch.polar concatenated on the feature axis, applied with view_as_complex on
# (batch, heads, tokens, head_dim) queries and keys, inside a timm-style attention.
import mlx.core as mx
import mlx.nn as nn


def cookbook_rope_pairs(x, cos, sin):
    """Rotary embedding on consecutive pairs (x[..., 2i], x[..., 2i+1]), what torch computes as
    view_as_real(view_as_complex(x.reshape(..., -1, 2)) * polar(1, angle)), in real arithmetic."""
    pairs = x.astype(mx.float32).reshape(*x.shape[:-1], -1, 2)
    a, b = pairs[..., 0], pairs[..., 1]
    out = mx.stack([a * cos - b * sin, a * sin + b * cos], axis=-1)
    return out.reshape(x.shape).astype(x.dtype)


def init_t_xy(end_x: int, end_y: int):
    t = mx.arange(end_x * end_y, dtype=mx.float32)
    t_x = (t % end_x).astype(mx.float32)
    t_y = mx.floor_divide(t, end_x).astype(mx.float32)
    return t_x, t_y


def compute_axial_cis(dim: int, end_x: int, end_y: int, theta: float = 100.0):
    freqs_x = 1.0 / (theta ** (mx.arange(0, dim, 4)[: (dim // 4)].astype(mx.float32) / dim))
    freqs_y = 1.0 / (theta ** (mx.arange(0, dim, 4)[: (dim // 4)].astype(mx.float32) / dim))

    t_x, t_y = init_t_xy(end_x, end_y)
    freqs_x = mx.outer(t_x, freqs_x)
    freqs_y = mx.outer(t_y, freqs_y)
    freqs_cis_x = freqs_x
    freqs_cis_y = freqs_y
    return mx.concatenate([freqs_cis_x, freqs_cis_y], axis=-1)


def reshape_for_broadcast(freqs_cis: mx.array, x: mx.array):
    ndim = x.ndim
    assert 0 <= 1 < ndim
    if freqs_cis.shape == (x.shape[-2], x.shape[-1]):
        shape = [d if i >= ndim-2 else 1 for i, d in enumerate(x.shape)]
    elif freqs_cis.shape == (x.shape[-3], x.shape[-2], x.shape[-1]):
        shape = [d if i >= ndim-3 else 1 for i, d in enumerate(x.shape)]

    return freqs_cis.reshape(*shape)


def apply_rotary_emb(xq: mx.array, xk: mx.array, freqs_cis: mx.array):
    angle = reshape_for_broadcast(freqs_cis, xq[..., ::2])
    cos, sin = mx.cos(angle), mx.sin(angle)
    return cookbook_rope_pairs(xq, cos, sin), cookbook_rope_pairs(xk, cos, sin)


class RoPEAttention(nn.Module):
    def __init__(self, dim, num_heads=8, qkv_bias=False, attn_drop=0., proj_drop=0., grid=4, rope_theta=100.0):
        super().__init__()
        self.num_heads = num_heads
        head_dim = dim // num_heads
        self.scale = head_dim ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.attn_drop = nn.Dropout(attn_drop)
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)
        self._freqs_cis = compute_axial_cis(head_dim, grid, grid, theta=rope_theta)

    def __call__(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.num_heads, C // self.num_heads).transpose(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]

        q, k = apply_rotary_emb(q, k, freqs_cis=self._freqs_cis)

        x = mx.fast.scaled_dot_product_attention(q, k, v, scale=self.scale).swapaxes(1, 2).reshape(B, N, C)

        x = self.proj(x)
        x = self.proj_drop(x)
        return x


# c2m: torch state_dict keys and layouts -> MLX parameters (read by `c2m weights --map` and sanitize())
C2M_TOP_LEVEL = "RoPEAttention"
C2M_WEIGHT_MAPS = {
    "RoPEAttention": [],
}
