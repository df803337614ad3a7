# A LLaMA decoder layer written the way Hugging Face transformers' modeling_llama.py writes it
# (LlamaRMSNorm, rotate_half rotary embeddings, repeat_kv for grouped-query attention, eager attention
# with a causal mask, SwiGLU MLP).
import math

import mlx.core as mx
import mlx.nn as nn


def ops_expand(input, *sizes):
    """torch Tensor.expand / torch.broadcast_to: broadcast to `sizes`, where -1 keeps that dimension."""
    if len(sizes) == 1 and not isinstance(sizes[0], int):
        sizes = tuple(sizes[0])
    lead = len(sizes) - input.ndim
    shape = [input.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes)]
    return mx.broadcast_to(input, shape)


def ops_to(input, *args, dtype=None, **device_options):
    """torch Tensor.to: only a dtype (given, or taken from a tensor argument) changes anything; devices,
    non_blocking, copy and memory_format mean nothing in MLX (unified memory)."""
    for arg in args:
        if isinstance(arg, mx.Dtype):
            dtype = arg
        elif isinstance(arg, mx.array):
            dtype = arg.dtype
    return input if dtype is None else input.astype(dtype)


class LlamaRMSNorm(nn.Module):
    def __init__(self, hidden_size, eps=1e-6):
        super().__init__()
        self.weight = mx.ones(hidden_size)
        self.variance_epsilon = eps

    def __call__(self, hidden_states):
        return mx.fast.rms_norm(hidden_states, self.weight, self.variance_epsilon)


def rotate_half(x):
    """Rotates half the hidden dims of the input."""
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2 :]
    return mx.concatenate((-x2, x1), axis=-1)


def apply_rotary_pos_emb(q, k, cos, sin, unsqueeze_dim=1):
    cos = mx.expand_dims(cos, unsqueeze_dim)
    sin = mx.expand_dims(sin, unsqueeze_dim)
    q_embed = (q * cos) + (rotate_half(q) * sin)
    k_embed = (k * cos) + (rotate_half(k) * sin)
    return q_embed, k_embed


def repeat_kv(hidden_states: mx.array, n_rep: int) -> mx.array:
    batch, num_key_value_heads, slen, head_dim = hidden_states.shape
    if n_rep == 1:
        return hidden_states
    hidden_states = ops_expand(hidden_states[:, :, None, :, :], batch, num_key_value_heads, n_rep, slen, head_dim)
    return hidden_states.reshape(batch, num_key_value_heads * n_rep, slen, head_dim)


class LlamaRotaryEmbedding(nn.Module):
    def __init__(self, dim, base=10000.0):
        super().__init__()
        inv_freq = 1.0 / (base ** (mx.arange(0, dim, 2).astype(mx.float32) / dim))
        self._inv_freq = inv_freq

    def __call__(self, x, position_ids):
        inv_freq_expanded = ops_expand(self._inv_freq[None, :, None].astype(mx.float32), position_ids.shape[0], -1, 1)
        position_ids_expanded = position_ids[:, None, :].astype(mx.float32)
        freqs = (inv_freq_expanded.astype(mx.float32) @ position_ids_expanded.astype(mx.float32)).swapaxes(1, 2)
        emb = mx.concatenate((freqs, freqs), axis=-1)
        return ops_to(mx.cos(emb), x.dtype), ops_to(mx.sin(emb), x.dtype)


class LlamaMLP(nn.Module):
    def __init__(self, hidden_size, intermediate_size):
        super().__init__()
        self.gate_proj = nn.Linear(hidden_size, intermediate_size, bias=False)
        self.up_proj = nn.Linear(hidden_size, intermediate_size, bias=False)
        self.down_proj = nn.Linear(intermediate_size, hidden_size, bias=False)

    def __call__(self, x):
        return self.down_proj(nn.silu(self.gate_proj(x)) * self.up_proj(x))


class LlamaAttention(nn.Module):
    def __init__(self, hidden_size, num_heads, num_key_value_heads):
        super().__init__()
        self.head_dim = hidden_size // num_heads
        self.num_heads = num_heads
        self.num_key_value_heads = num_key_value_heads
        self.num_key_value_groups = num_heads // num_key_value_heads
        self.q_proj = nn.Linear(hidden_size, num_heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(hidden_size, num_key_value_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(hidden_size, num_key_value_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(num_heads * self.head_dim, hidden_size, bias=False)

    def __call__(self, hidden_states, position_embeddings, attention_mask):
        bsz, q_len, _ = hidden_states.shape
        query_states = self.q_proj(hidden_states).reshape(bsz, q_len, self.num_heads, self.head_dim).swapaxes(1, 2)
        key_states = self.k_proj(hidden_states).reshape(bsz, q_len, self.num_key_value_heads, self.head_dim).swapaxes(1, 2)
        value_states = self.v_proj(hidden_states).reshape(bsz, q_len, self.num_key_value_heads, self.head_dim).swapaxes(1, 2)

        cos, sin = position_embeddings
        query_states, key_states = apply_rotary_pos_emb(query_states, key_states, cos, sin)

        attn_output = mx.fast.scaled_dot_product_attention(query_states, key_states, value_states, scale=1 / math.sqrt(self.head_dim), mask=attention_mask)


        attn_output = attn_output.swapaxes(1, 2)
        attn_output = attn_output.reshape(bsz, q_len, -1)
        return self.o_proj(attn_output)


class LlamaDecoderLayer(nn.Module):
    def __init__(self, hidden_size=64, num_heads=4, num_key_value_heads=2, intermediate_size=128, rms_norm_eps=1e-6):
        super().__init__()
        self.self_attn = LlamaAttention(hidden_size, num_heads, num_key_value_heads)
        self.mlp = LlamaMLP(hidden_size, intermediate_size)
        self.input_layernorm = LlamaRMSNorm(hidden_size, eps=rms_norm_eps)
        self.post_attention_layernorm = LlamaRMSNorm(hidden_size, eps=rms_norm_eps)
        self.rotary_emb = LlamaRotaryEmbedding(hidden_size // num_heads)

    def __call__(self, hidden_states):
        bsz, seq_len, _ = hidden_states.shape
        position_ids = mx.expand_dims(mx.arange(seq_len), 0)
        position_embeddings = self.rotary_emb(hidden_states, position_ids)
        causal_mask = mx.triu(mx.full((seq_len, seq_len), float("-inf")), k=1)

        residual = hidden_states
        hidden_states = self.input_layernorm(hidden_states)
        hidden_states = self.self_attn(hidden_states, position_embeddings, causal_mask)
        hidden_states = residual + hidden_states

        residual = hidden_states
        hidden_states = self.post_attention_layernorm(hidden_states)
        hidden_states = self.mlp(hidden_states)
        return residual + hidden_states


# c2m: torch state_dict keys and layouts -> MLX parameters (read by `c2m weights --map` and sanitize())
C2M_TOP_LEVEL = "LlamaDecoderLayer"
C2M_WEIGHT_MAPS = {
    "LlamaRMSNorm": [],
    "LlamaRotaryEmbedding": [],
    "LlamaMLP": [],
    "LlamaAttention": [],
    "LlamaDecoderLayer": [],
}
