# Generation-time idioms: a Hugging Face DynamicCache-style KV cache (per-layer lists grown with
# torch.cat on the sequence axis), causal attention through F.scaled_dot_product_attention(is_causal=True)
# on the prompt, and the logits processing of gpt-fast's logits_to_probs (temperature, top-k) and Meta
# llama's sample_top_p (nucleus filtering; the random draw itself is left out so outputs can be compared).
from typing import List, Optional

import mlx.core as mx
import mlx.nn as nn
import collections


def ops_scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False):
    """torch F.scaled_dot_product_attention via mx.fast (which wants (B, heads, L, D): fewer leading axes
    are added here and removed after; more, as torch allows (hiera's windows: (B, heads, windows, L, D)), are
    broadcast together, folded into B and unfolded after). A boolean mask marks the allowed positions
    (True = attend), as in torch, and a query allowed none gives zeros, as in torch; a float mask is added to
    the scores. torch's causal mask is aligned top-left, MLX's "causal" bottom-right: they agree only when
    L == S, otherwise the top-left mask is built here."""
    if scale is None:
        scale = query.shape[-1] ** -0.5
    missing = 4 - query.ndim
    if missing > 0:
        lead = tuple(range(missing))
        query, key, value = (mx.expand_dims(t, lead) for t in (query, key, value))
    mask = attn_mask
    if is_causal:
        q_len, k_len = query.shape[-2], key.shape[-2]
        mask = "causal" if q_len == k_len else mx.tril(mx.ones((q_len, k_len), dtype=mx.bool_))
    batch = query.shape[:-3]
    if missing < 0:
        fold = lambda t: mx.broadcast_to(t, batch + t.shape[-3:]).reshape(-1, *t.shape[-3:])
        if isinstance(mask, mx.array):
            mask = fold(mask.reshape((1,) * (query.ndim - mask.ndim) + mask.shape))
        query, key, value = fold(query), fold(key), fold(value)
    out = mx.fast.scaled_dot_product_attention(query, key, value, scale=scale, mask=mask)
    if isinstance(mask, mx.array) and mask.dtype == mx.bool_:
        # a query allowed no key: torch gives zeros, MLX the mean of the values
        out = mx.where(mask.any(axis=-1, keepdims=True), out, mx.zeros_like(out))
    if missing < 0:
        return out.reshape(batch + out.shape[-3:])
    return out.reshape(out.shape[missing:]) if missing > 0 else out


def ops_select(input, dim, index):
    """torch.select: the slice at `index` (negative counts from the end) along `dim`, which is removed."""
    dim = dim % input.ndim
    return input[(slice(None),) * dim + (index,)]


OpsSortResult = collections.namedtuple("OpsSortResult", ["values", "indices"])


def ops_sort(input, dim=-1, descending=False, stable=False):
    """torch.sort: (values, int32 indices) along `dim`; ties keep their order; NaN counts as the largest
    value, as in torch (last ascending, first descending)."""
    key = input.astype(mx.int32) if input.dtype == mx.bool_ else input
    if descending:
        key = -key
        if mx.issubdtype(key.dtype, mx.floating):
            key = mx.where(mx.isnan(key), -mx.inf, key)
    indices = mx.argsort(key, axis=dim)
    return OpsSortResult(mx.take_along_axis(input, indices, axis=dim), indices.astype(mx.int32))


OpsTopkResult = collections.namedtuple("OpsTopkResult", ["values", "indices"])


def ops_topk(input, k, dim=-1, largest=True, sorted=True):
    """torch.topk: the k largest (or smallest) values along `dim`, sorted, with their int32 indices
    (mx.topk returns the values only, unsorted). NaN counts as the largest value, as in torch."""
    key = input.astype(mx.int32) if input.dtype == mx.bool_ else input
    if largest:
        key = -key
        if mx.issubdtype(key.dtype, mx.floating):
            key = mx.where(mx.isnan(key), -mx.inf, key)
    indices = mx.take(mx.argsort(key, axis=dim), mx.arange(k), axis=dim)
    return OpsTopkResult(mx.take_along_axis(input, indices, axis=dim), indices.astype(mx.int32))


class DynamicCache:
    def __init__(self):
        self.key_cache: List[mx.array] = []
        self.value_cache: List[mx.array] = []

    def update(self, key_states, value_states, layer_idx: int):
        if len(self.key_cache) <= layer_idx:
            self.key_cache.append(key_states)
            self.value_cache.append(value_states)
        else:
            self.key_cache[layer_idx] = mx.concatenate([self.key_cache[layer_idx], key_states], axis=-2)
            self.value_cache[layer_idx] = mx.concatenate([self.value_cache[layer_idx], value_states], axis=-2)
        return self.key_cache[layer_idx], self.value_cache[layer_idx]


def logits_to_probs(logits, temperature: float = 1.0, top_k: Optional[int] = None):
    logits = logits / max(temperature, 1e-5)

    if top_k is not None:
        v, _ = ops_topk(logits, min(top_k, logits.shape[-1]))
        pivot = mx.expand_dims(ops_select(v, -1, -1), -1)
        logits = mx.where(logits < pivot, -float("Inf"), logits)
    probs = mx.softmax(logits, axis=-1)
    return probs


def top_p_filter(probs, p):
    probs_sort, probs_idx = ops_sort(probs, -1, descending=True)
    probs_sum = mx.cumsum(probs_sort, axis=-1)
    mask = probs_sum - probs_sort > p
    probs_sort = mx.where(mask, 0.0, probs_sort)
    probs_sort = mx.divide(probs_sort, mx.sum(probs_sort, axis=-1, keepdims=True))  # c2m: C2M-W004 in-place div_ rewritten as an assignment
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
        q, k, v = self.qkv(x).reshape(b, t, 3, self.heads, c // self.heads).transpose(2, 0, 3, 1, 4)
        k, v = cache.update(k, v, layer_idx)
        y = ops_scaled_dot_product_attention(q, k, v, is_causal=causal)
        return self.out(y.swapaxes(1, 2).reshape(b, t, c))

    def __call__(self, tokens, next_tokens):
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


# c2m: torch state_dict keys and layouts -> MLX parameters (read by `c2m weights --map` and sanitize())
C2M_TOP_LEVEL = "TinyDecoder"
C2M_WEIGHT_MAPS = {
    "TinyDecoder": [],
}
