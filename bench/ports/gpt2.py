"""nanoGPT's GPT-2 written by hand for MLX: mx.fast.layer_norm, one fused qkv Linear split with
mx.split, mx.fast.scaled_dot_product_attention with mask="causal", exact GELU, tied embedding.
Parameter names follow the translation's tree (nanoGPT's names: transformer.wte, transformer.h.N...)."""
import mlx.core as mx
import mlx.nn as nn


class LayerNorm(nn.Module):
    def __init__(self, dim, bias):
        super().__init__()
        self.weight = mx.ones((dim,))
        self.bias = mx.zeros((dim,)) if bias else None

    def __call__(self, x):
        return mx.fast.layer_norm(x, self.weight, self.bias, 1e-5)


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head, bias):
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd, bias=bias)
        self.c_proj = nn.Linear(n_embd, n_embd, bias=bias)
        self.n_head = n_head

    def __call__(self, x):
        B, T, C = x.shape
        q, k, v = mx.split(self.c_attn(x), 3, axis=-1)
        q, k, v = (t.reshape(B, T, self.n_head, -1).transpose(0, 2, 1, 3) for t in (q, k, v))
        y = mx.fast.scaled_dot_product_attention(q, k, v, scale=(C // self.n_head) ** -0.5, mask="causal")
        return self.c_proj(y.transpose(0, 2, 1, 3).reshape(B, T, C))


class MLP(nn.Module):
    def __init__(self, n_embd, bias):
        super().__init__()
        self.c_fc = nn.Linear(n_embd, 4 * n_embd, bias=bias)
        self.c_proj = nn.Linear(4 * n_embd, n_embd, bias=bias)

    def __call__(self, x):
        return self.c_proj(nn.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, n_embd, n_head, bias):
        super().__init__()
        self.ln_1 = LayerNorm(n_embd, bias)
        self.attn = CausalSelfAttention(n_embd, n_head, bias)
        self.ln_2 = LayerNorm(n_embd, bias)
        self.mlp = MLP(n_embd, bias)

    def __call__(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, vocab_size, block_size, n_layer, n_head, n_embd, bias):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        self.h = [Block(n_embd, n_head, bias) for _ in range(n_layer)]
        self.ln_f = LayerNorm(n_embd, bias)


class GPT(nn.Module):
    def __init__(self, vocab_size, block_size, n_layer, n_head, n_embd, bias=True):
        super().__init__()
        self.transformer = Transformer(vocab_size, block_size, n_layer, n_head, n_embd, bias)
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)

    def __call__(self, idx):
        T = idx.shape[1]
        x = self.transformer.wte(idx) + self.transformer.wpe(mx.arange(T))
        for block in self.transformer.h:
            x = block(x)
        x = self.transformer.ln_f(x[:, -1:])  # inference: logits of the last position only
        return self.lm_head(x)


def build(args):
    c = args["config"]
    return GPT(c["vocab_size"], c["block_size"], c["n_layer"], c["n_head"], c["n_embd"], c.get("bias", True))
