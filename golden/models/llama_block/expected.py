# A LLaMA-style decoder, written after Meta's llama/model.py (no KV cache, no model parallelism).
# Rotary embeddings use the cos/sin "rotate_half" form of HF transformers instead of complex numbers.

import math
from dataclasses import dataclass
from typing import Optional, Tuple

import mlx.core as mx
import mlx.nn as nn


def ops_expand(input, *sizes):
    """torch Tensor.expand / torch.broadcast_to: broadcast to `sizes`, where -1 keeps that dimension."""
    if len(sizes) == 1 and not isinstance(sizes[0], int):
        sizes = tuple(sizes[0])
    lead = len(sizes) - input.ndim
    shape = [input.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes)]
    return mx.broadcast_to(input, shape)


@dataclass
class ModelArgs:
    dim: int = 4096
    n_layers: int = 32
    n_heads: int = 32
    n_kv_heads: Optional[int] = None
    vocab_size: int = -1  # defined later by tokenizer
    multiple_of: int = 256  # make SwiGLU hidden layer size multiple of large power of 2
    ffn_dim_multiplier: Optional[float] = None
    norm_eps: float = 1e-5
    rope_theta: float = 10000.0

    max_seq_len: int = 2048


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float = 1e-6):
        """
        Initialize the RMSNorm normalization layer.

        Args:
            dim (int): The dimension of the input tensor.
            eps (float, optional): A small value added to the denominator for numerical stability. Default is 1e-6.

        Attributes:
            eps (float): A small value added to the denominator for numerical stability.
            weight (nn.Parameter): Learnable scaling parameter.

        """
        super().__init__()
        self.eps = eps
        self.weight = mx.ones(dim)

    def _norm(self, x):
        return mx.fast.rms_norm(x, None, self.eps)

    def __call__(self, x):
        output = self._norm(x.astype(mx.float32)).astype(x.dtype)
        return output * self.weight


def precompute_cos_sin(dim: int, end: int, theta: float = 10000.0) -> Tuple[mx.array, mx.array]:
    """
    Precompute the rotary cosine and sine tables for positions [0, end).

    Returns:
        Tuple[torch.Tensor, torch.Tensor]: cos and sin, each of shape (end, dim).
    """
    freqs = 1.0 / (theta ** (mx.arange(0, dim, 2)[: (dim // 2)].astype(mx.float32) / dim))
    t = mx.arange(end, dtype=mx.float32)
    freqs = mx.outer(t, freqs)
    emb = mx.concatenate((freqs, freqs), axis=-1)
    return mx.cos(emb), mx.sin(emb)


def rotate_half(x):
    """Rotates half the hidden dims of the input."""
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2 :]
    return mx.concatenate((-x2, x1), axis=-1)


def apply_rotary_emb(
    xq: mx.array,
    xk: mx.array,
    cos: mx.array,
    sin: mx.array,
) -> Tuple[mx.array, mx.array]:
    """
    Apply rotary embeddings to query and key tensors of shape (bsz, seqlen, n_heads, head_dim).

    cos and sin have shape (seqlen, head_dim) and broadcast over the batch and head axes.
    """
    cos = cos[None, :, None, :]
    sin = sin[None, :, None, :]
    xq_out = (xq * cos) + (rotate_half(xq) * sin)
    xk_out = (xk * cos) + (rotate_half(xk) * sin)
    return xq_out.astype(xq.dtype), xk_out.astype(xk.dtype)


def repeat_kv(x: mx.array, n_rep: int) -> mx.array:
    """torch.repeat_interleave(x, dim=2, repeats=n_rep)"""
    bs, slen, n_kv_heads, head_dim = x.shape
    if n_rep == 1:
        return x
    return (
        ops_expand(x[:, :, :, None, :], bs, slen, n_kv_heads, n_rep, head_dim).reshape(bs, slen, n_kv_heads * n_rep, head_dim)
    )


class Attention(nn.Module):
    """Multi-head attention module."""
    def __init__(self, args: ModelArgs):
        super().__init__()
        self.n_kv_heads = args.n_heads if args.n_kv_heads is None else args.n_kv_heads
        self.n_local_heads = args.n_heads
        self.n_local_kv_heads = self.n_kv_heads
        self.n_rep = self.n_local_heads // self.n_local_kv_heads
        self.head_dim = args.dim // args.n_heads

        self.wq = nn.Linear(args.dim, args.n_heads * self.head_dim, bias=False)
        self.wk = nn.Linear(args.dim, self.n_kv_heads * self.head_dim, bias=False)
        self.wv = nn.Linear(args.dim, self.n_kv_heads * self.head_dim, bias=False)
        self.wo = nn.Linear(args.n_heads * self.head_dim, args.dim, bias=False)

    def __call__(
        self,
        x: mx.array,
        cos: mx.array,
        sin: mx.array,
        mask: Optional[mx.array],
    ):
        bsz, seqlen, _ = x.shape
        xq, xk, xv = self.wq(x), self.wk(x), self.wv(x)

        xq = xq.reshape(bsz, seqlen, self.n_local_heads, self.head_dim)
        xk = xk.reshape(bsz, seqlen, self.n_local_kv_heads, self.head_dim)
        xv = xv.reshape(bsz, seqlen, self.n_local_kv_heads, self.head_dim)

        xq, xk = apply_rotary_emb(xq, xk, cos=cos, sin=sin)

        # repeat k/v heads if n_kv_heads < n_heads
        xq = xq.swapaxes(1, 2)
        output = mx.fast.scaled_dot_product_attention(xq, xk.swapaxes(1, 2), xv.swapaxes(1, 2), scale=1 / math.sqrt(self.head_dim), mask=mask)  # (bs, seqlen, n_local_heads, head_dim)

        output = output.swapaxes(1, 2).reshape(bsz, seqlen, -1)
        return self.wo(output)


class FeedForward(nn.Module):
    def __init__(
        self,
        dim: int,
        hidden_dim: int,
        multiple_of: int,
        ffn_dim_multiplier: Optional[float],
    ):
        super().__init__()
        hidden_dim = int(2 * hidden_dim / 3)
        # custom dim factor multiplier
        if ffn_dim_multiplier is not None:
            hidden_dim = int(ffn_dim_multiplier * hidden_dim)
        hidden_dim = multiple_of * ((hidden_dim + multiple_of - 1) // multiple_of)

        self.w1 = nn.Linear(dim, hidden_dim, bias=False)
        self.w2 = nn.Linear(hidden_dim, dim, bias=False)
        self.w3 = nn.Linear(dim, hidden_dim, bias=False)

    def __call__(self, x):
        return self.w2(nn.silu(self.w1(x)) * self.w3(x))


class TransformerBlock(nn.Module):
    def __init__(self, layer_id: int, args: ModelArgs):
        super().__init__()
        self.n_heads = args.n_heads
        self.dim = args.dim
        self.head_dim = args.dim // args.n_heads
        self.attention = Attention(args)
        self.feed_forward = FeedForward(
            dim=args.dim,
            hidden_dim=4 * args.dim,
            multiple_of=args.multiple_of,
            ffn_dim_multiplier=args.ffn_dim_multiplier,
        )
        self.layer_id = layer_id
        self.attention_norm = RMSNorm(args.dim, eps=args.norm_eps)
        self.ffn_norm = RMSNorm(args.dim, eps=args.norm_eps)

    def __call__(
        self,
        x: mx.array,
        cos: mx.array,
        sin: mx.array,
        mask: Optional[mx.array],
    ):
        h = x + self.attention(self.attention_norm(x), cos, sin, mask)
        out = h + self.feed_forward(self.ffn_norm(h))
        return out


class Transformer(nn.Module):
    def __init__(self, params: ModelArgs):
        super().__init__()
        self.params = params
        self.vocab_size = params.vocab_size
        self.n_layers = params.n_layers

        self.tok_embeddings = nn.Embedding(params.vocab_size, params.dim)

        self.layers = []
        for layer_id in range(params.n_layers):
            self.layers.append(TransformerBlock(layer_id, params))

        self.norm = RMSNorm(params.dim, eps=params.norm_eps)
        self.output = nn.Linear(params.dim, params.vocab_size, bias=False)

        # Rotary tables are derived from the config, not learned: keep them out of the state_dict.
        cos, sin = precompute_cos_sin(
            self.params.dim // self.params.n_heads, self.params.max_seq_len * 2, self.params.rope_theta
        )
        self._freqs_cos = cos
        self._freqs_sin = sin

    def __call__(self, tokens: mx.array):
        _bsz, seqlen = tokens.shape
        h = self.tok_embeddings(tokens)
        cos = self._freqs_cos[:seqlen]
        sin = self._freqs_sin[:seqlen]

        mask = None
        if seqlen > 1:
            mask = mx.full((seqlen, seqlen), float("-inf"))
            mask = mx.triu(mask, k=1).astype(h.dtype)

        for layer in self.layers:
            h = layer(h, cos, sin, mask)
        h = self.norm(h)
        output = self.output(h).astype(mx.float32)
        return output


# c2m: torch state_dict keys and layouts -> MLX parameters (read by `c2m weights --map` and sanitize())
C2M_TOP_LEVEL = "Transformer"
C2M_WEIGHT_MAPS = {
    "RMSNorm": [],
    "Attention": [],
    "FeedForward": [],
    "TransformerBlock": [],
    "Transformer": [],
}
