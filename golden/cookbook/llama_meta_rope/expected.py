# Rotary embeddings the way Meta's llama/model.py writes them: complex frequencies from torch.polar,
# applied with view_as_complex / view_as_real, and an attention that repeats k/v heads before the softmax.
import math
from typing import Optional, Tuple

import mlx.core as mx
import mlx.nn as nn


def cookbook_rope_pairs(x, cos, sin):
    """Rotary embedding on consecutive pairs (x[..., 2i], x[..., 2i+1]), what torch computes as
    view_as_real(view_as_complex(x.reshape(..., -1, 2)) * polar(1, angle)), in real arithmetic."""
    pairs = x.astype(mx.float32).reshape(*x.shape[:-1], -1, 2)
    a, b = pairs[..., 0], pairs[..., 1]
    out = mx.stack([a * cos - b * sin, a * sin + b * cos], axis=-1)
    return out.reshape(x.shape).astype(x.dtype)


def ops_expand(input, *sizes):
    """torch Tensor.expand / torch.broadcast_to: broadcast to `sizes`, where -1 keeps that dimension."""
    if len(sizes) == 1 and not isinstance(sizes[0], int):
        sizes = tuple(sizes[0])
    lead = len(sizes) - input.ndim
    shape = [input.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes)]
    return mx.broadcast_to(input, shape)


def precompute_freqs_cis(dim: int, end: int, theta: float = 10000.0):
    freqs = 1.0 / (theta ** (mx.arange(0, dim, 2)[: (dim // 2)].astype(mx.float32) / dim))
    t = mx.arange(end)  # type: ignore
    freqs = mx.outer(t, freqs).astype(mx.float32)  # type: ignore
    freqs_cis = freqs  # complex64
    return freqs_cis


def reshape_for_broadcast(freqs_cis: mx.array, x: mx.array):
    ndim = x.ndim
    assert 0 <= 1 < ndim
    assert freqs_cis.shape == (x.shape[1], x.shape[-1])
    shape = [d if i == 1 or i == ndim - 1 else 1 for i, d in enumerate(x.shape)]
    return freqs_cis.reshape(*shape)


def apply_rotary_emb(
    xq: mx.array,
    xk: mx.array,
    freqs_cis: mx.array,
) -> Tuple[mx.array, mx.array]:
    angle = reshape_for_broadcast(freqs_cis, xq[..., ::2])
    cos, sin = mx.cos(angle), mx.sin(angle)
    return cookbook_rope_pairs(xq, cos, sin), cookbook_rope_pairs(xk, cos, sin)


def repeat_kv(x: mx.array, n_rep: int) -> mx.array:
    """torch.repeat_interleave(x, dim=2, repeats=n_rep)"""
    bs, slen, n_kv_heads, head_dim = x.shape
    if n_rep == 1:
        return x
    return (
        ops_expand(x[:, :, :, None, :], bs, slen, n_kv_heads, n_rep, head_dim).reshape(bs, slen, n_kv_heads * n_rep, head_dim)
    )


class Attention(nn.Module):
    def __init__(self, dim: int, n_heads: int, n_kv_heads: int, max_seq_len: int):
        super().__init__()
        self.n_local_heads = n_heads
        self.n_local_kv_heads = n_kv_heads
        self.n_rep = self.n_local_heads // self.n_local_kv_heads
        self.head_dim = dim // n_heads
        self.wq = nn.Linear(dim, n_heads * self.head_dim, bias=False)
        self.wk = nn.Linear(dim, n_kv_heads * self.head_dim, bias=False)
        self.wv = nn.Linear(dim, n_kv_heads * self.head_dim, bias=False)
        self.wo = nn.Linear(n_heads * self.head_dim, dim, bias=False)
        self._freqs_cis = precompute_freqs_cis(self.head_dim, max_seq_len * 2)

    def __call__(self, x: mx.array):
        bsz, seqlen, _ = x.shape
        start_pos = 0
        freqs_cis = self._freqs_cis[start_pos : start_pos + seqlen]
        mask = None
        if seqlen > 1:
            mask = mx.full((seqlen, seqlen), float("-inf"))
            mask = mx.triu(mask, k=1)

        xq, xk, xv = self.wq(x), self.wk(x), self.wv(x)
        xq = xq.reshape(bsz, seqlen, self.n_local_heads, self.head_dim)
        xk = xk.reshape(bsz, seqlen, self.n_local_kv_heads, self.head_dim)
        xv = xv.reshape(bsz, seqlen, self.n_local_kv_heads, self.head_dim)

        xq, xk = apply_rotary_emb(xq, xk, freqs_cis=freqs_cis)

        # repeat k/v heads if n_kv_heads < n_heads
        xq = xq.swapaxes(1, 2)
        output = mx.fast.scaled_dot_product_attention(xq, xk.swapaxes(1, 2), xv.swapaxes(1, 2), scale=1 / math.sqrt(self.head_dim), mask=mask)  # (bs, seqlen, n_local_heads, head_dim)

        output = output.swapaxes(1, 2).reshape(bsz, seqlen, -1)
        return self.wo(output)


# c2m: torch state_dict keys and layouts -> MLX parameters (read by `c2m weights --map` and sanitize())
C2M_TOP_LEVEL = "Attention"
C2M_WEIGHT_MAPS = {
    "Attention": [],
}
