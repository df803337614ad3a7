# Generation-time idioms: a Hugging Face DynamicCache-style KV cache (per-layer lists grown with
# torch.cat on the sequence axis), causal attention through F.scaled_dot_product_attention(is_causal=True)
# on the prompt, and the logits processing of gpt-fast's logits_to_probs (temperature, top-k) and Meta
# llama's sample_top_p (nucleus filtering; the random draw itself is left out so outputs can be compared).
from typing import List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F


class DynamicCache:
    def __init__(self):
        self.key_cache: List[torch.Tensor] = []
        self.value_cache: List[torch.Tensor] = []

    def update(self, key_states, value_states, layer_idx: int):
        if len(self.key_cache) <= layer_idx:
            self.key_cache.append(key_states)
            self.value_cache.append(value_states)
        else:
            self.key_cache[layer_idx] = torch.cat([self.key_cache[layer_idx], key_states], dim=-2)
            self.value_cache[layer_idx] = torch.cat([self.value_cache[layer_idx], value_states], dim=-2)
        return self.key_cache[layer_idx], self.value_cache[layer_idx]


def logits_to_probs(logits, temperature: float = 1.0, top_k: Optional[int] = None):
    logits = logits / max(temperature, 1e-5)

    if top_k is not None:
        v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
        pivot = v.select(-1, -1).unsqueeze(-1)
        logits = torch.where(logits < pivot, -float("Inf"), logits)
    probs = torch.nn.functional.softmax(logits, dim=-1)
    return probs


def top_p_filter(probs, p):
    probs_sort, probs_idx = torch.sort(probs, dim=-1, descending=True)
    probs_sum = torch.cumsum(probs_sort, dim=-1)
    mask = probs_sum - probs_sort > p
    probs_sort[mask] = 0.0
    probs_sort.div_(probs_sort.sum(dim=-1, keepdim=True))
    return probs_sort


class TinyDecoder(nn.Module):
    def __init__(self, vocab=32, dim=32, heads=4):
        super().__init__()
        self.heads = heads
        self.embed = nn.Embedding(vocab, dim)
        self.qkv = nn.Linear(dim, 3 * dim, bias=False)
        self.out = nn.Linear(dim, dim, bias=False)
        self.lm_head = nn.Linear(dim, vocab, bias=False)

    def attend(self, x, cache, layer_idx: int, causal: bool):
        b, t, c = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        k, v = cache.update(k, v, layer_idx)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
        return self.out(y.transpose(1, 2).reshape(b, t, c))

    def forward(self, tokens, next_tokens):
        cache = DynamicCache()
        # prompt: causal attention over the prompt, filling the cache
        h = self.embed(tokens)
        h = h + self.attend(h, cache, 0, True)
        # one decoding step: the new token attends to the whole cache
        g = self.embed(next_tokens)
        g = g + self.attend(g, cache, 0, False)
        logits = self.lm_head(g[:, -1])
        probs = logits_to_probs(logits, temperature=0.8, top_k=5)
        return h, probs, top_p_filter(probs, 0.9), cache.key_cache[0]
