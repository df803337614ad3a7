"""
Full definition of a GPT Language Model, all of it in this single file.
References:
1) the official GPT-2 TensorFlow implementation released by OpenAI:
https://github.com/openai/gpt-2/blob/master/src/model.py
2) huggingface/transformers PyTorch implementation:
https://github.com/huggingface/transformers/blob/main/src/transformers/models/gpt2/modeling_gpt2.py

(After Karpathy's nanoGPT model.py; pretrained loading and optimizer setup are left out.)
"""

import math
from dataclasses import dataclass

import mlx.core as mx
import mlx.nn as nn
from mlx.utils import tree_flatten
import collections


def _c2m_child(node, key):
    """node[key] in a tree of dicts and lists, or None where there is none."""
    if isinstance(node, dict):
        return node.get(key)
    if isinstance(node, list) and isinstance(key, int) and key < len(node):
        return node[key]
    return None


class C2MModuleMixin:
    """torch's Module behaviours that MLX's Module (a dict holding the children) lacks, for a module class that
    also derives from classes written in Python (transformers' PreTrainedModel mixes in DistributedMixin, ...):

    - an attribute such a class defines at class level, assigned plain data on an instance (`self._tp_plan = {...}`
      over `_tp_plan = None`), is the instance's, as in torch: MLX's Module would store a dict, list or tuple as a
      child, which the class attribute then hides (and it fails deleting the class attribute from the instance);
      a container holding arrays or modules stays a child too (the parameter tree), as MLX's Module keeps it;
    - hashing and equality are the object's identity, as torch's Module's: a module can be a dict key or in a set
      (MLX's Module, a dict, is unhashable and equal to any module with equal children);
    - a parameter tied to another (`self.lm_head.weight = self.embed.weight`, transformers' tie_weights) is one
      array, as in torch: parameters() lists it once, under its first path (torch's `parameters()` keeps the first
      of the names sharing a tensor), update() and load_weights() keep every path on the one array (MLX's update
      would give each path its own), and a checkpoint may name the array under any of its paths."""

    def __setattr__(self, key, val):
        owner = next((klass for klass in type(self).__mro__ if key in klass.__dict__), None)
        if owner is None or hasattr(owner.__dict__[key], "__set__") or not isinstance(val, (dict, list, tuple)):
            return super().__setattr__(key, val)

        def holds_parameters(v):
            if isinstance(v, (mx.array, nn.Module)):
                return True
            if isinstance(v, dict):
                return any(holds_parameters(x) for x in v.values())
            if isinstance(v, (list, tuple)):
                return any(holds_parameters(x) for x in v)
            return False

        if holds_parameters(val):
            # a child, as MLX's Module keeps it (its own __setattr__ would try to delete the class's attribute),
            # and the instance's attribute, which reads find before the class's (the same container object)
            self[key] = val
            object.__setattr__(self, key, val)
        else:
            self.pop(key, None)
            object.__setattr__(self, key, val)

    __hash__ = object.__hash__

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other

    def _c2m_tied_groups(self):
        """The paths (tuples of keys) at which one array sits more than once in the module tree, in tree order."""
        paths_of = {}

        def walk(node, path):
            items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
            for key, value in items:
                if isinstance(key, str) and key.startswith("_"):
                    continue
                if isinstance(value, mx.array):
                    paths_of.setdefault(id(value), []).append(path + (key,))
                elif isinstance(value, (dict, list)):
                    walk(value, path + (key,))

        walk(self, ())
        return [paths for paths in paths_of.values() if len(paths) > 1]

    def _c2m_untie(self, tree):
        """tree (parameters() or trainable_parameters()) without the second and later paths of a tied array."""
        for paths in self._c2m_tied_groups():
            for path in paths[1:]:
                node = tree
                for key in path[:-1]:
                    node = _c2m_child(node, key)
                if isinstance(node, dict):
                    node.pop(path[-1], None)
                elif isinstance(node, list) and path[-1] < len(node):
                    node[path[-1]] = {}
        return tree

    def parameters(self):
        return self._c2m_untie(super().parameters())

    def trainable_parameters(self):
        return self._c2m_untie(super().trainable_parameters())

    def update(self, parameters, strict=True):
        groups = self._c2m_tied_groups()
        super().update(parameters, strict)

        def given(path):
            node = parameters
            for key in path:
                node = _c2m_child(node, key)
            return node if isinstance(node, mx.array) else None

        for paths in groups:
            value = next((v for v in map(given, paths) if v is not None), None)
            if value is None:
                continue
            for path in paths:
                node = self
                for key in path[:-1]:
                    node = node[key]
                node[path[-1]] = value
        return self

    def load_weights(self, file_or_weights, strict=True):
        weights = list(mx.load(file_or_weights).items()) if isinstance(file_or_weights, str) else list(file_or_weights)
        names = dict(weights)
        primary_of = {}
        for paths in self._c2m_tied_groups():
            dotted = [".".join(map(str, path)) for path in paths]
            for alias in dotted[1:]:
                primary_of[alias] = dotted[0]
        kept = []
        for name, value in weights:
            primary = primary_of.get(name)
            if primary is None:
                kept.append((name, value))
            elif primary not in names:
                kept.append((primary, value))
            elif not mx.array_equal(names[primary], value).item():
                raise ValueError(f"{name} and {primary} are one tied parameter in this model, but the weights give them different values")
        return super().load_weights(kept, strict)


class ModuleDict(nn.Module):
    """torch.nn.ModuleDict: submodules by name, reachable as attributes (`self.transformer.wte`). Also the base of a
    subclass (`class _DenseBlock(nn.ModuleDict)` filled by setattr or super().__init__(layers)): as in torch, its
    keys, values and items are the submodules only (a ModuleList is MLX's list of modules), in the order they were
    added: an attribute holding an array or a dict of plain values is an item of MLX's Module, never one of torch's."""

    def __init__(self, modules=None):
        super().__init__()
        for name, module in (modules or {}).items():
            setattr(self, name, module)

    def add_module(self, name, module):
        setattr(self, name, module)

    def __getitem__(self, key):
        # MLX's load_weights reads the digit keys of children named by digits (`backbone.0.weight`: a Sequential's
        # children taken by name, torchvision's IntermediateLayerGetter) as list positions
        if isinstance(key, int):
            return super().__getitem__(str(key))
        return super().__getitem__(key)

    def c2m_modules(self):
        def is_module(v):
            if isinstance(v, (list, tuple)):
                return any(is_module(x) for x in v)
            return isinstance(v, nn.Module)

        return {k: v for k, v in dict.items(self) if is_module(v)}

    def keys(self):
        return self.c2m_modules().keys()

    def values(self):
        return self.c2m_modules().values()

    def items(self):
        return self.c2m_modules().items()

    def __iter__(self):
        return iter(self.c2m_modules())

    def __len__(self):
        return len(self.c2m_modules())


def ops_cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """torch F.cross_entropy: classes on axis 1 (axis 0 for one sample); `target` holds class indices
    or, when floating, class probabilities; per-class `weight`; `ignore_index`; weighted mean."""
    axis = 0 if input.ndim == 1 else 1
    n_classes = input.shape[axis]
    logp = input - mx.logsumexp(input, axis=axis, keepdims=True)
    class_weight = mx.ones((n_classes,), dtype=logp.dtype) if weight is None else weight
    bshape = [1] * input.ndim
    bshape[axis] = n_classes
    wlogp = logp * class_weight.reshape(bshape)
    if mx.issubdtype(target.dtype, mx.floating):
        if label_smoothing:
            target = target * (1 - label_smoothing) + label_smoothing / n_classes
        loss = -mx.sum(wlogp * target, axis=axis)
        if reduction == "none":
            return loss
        return mx.sum(loss) if reduction == "sum" else mx.sum(loss) / max(loss.size, 1)
    valid = target != ignore_index
    safe_target = mx.where(valid, target, 0)
    picked = mx.take_along_axis(wlogp, mx.expand_dims(safe_target, axis), axis=axis).squeeze(axis)
    loss = -picked * valid
    if label_smoothing:
        smooth = -mx.sum(wlogp, axis=axis) * valid
        loss = (1 - label_smoothing) * loss + (label_smoothing / n_classes) * smooth
    if reduction == "none":
        return loss
    if reduction == "sum":
        return mx.sum(loss)
    return mx.sum(loss) / mx.sum(mx.take(class_weight, safe_target) * valid)


def ops_layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """torch F.layer_norm over the last len(normalized_shape) axes (mx.fast.layer_norm does one axis)."""
    n_axes = 1 if isinstance(normalized_shape, int) else len(normalized_shape)
    if n_axes == 1:
        return mx.fast.layer_norm(input, weight, bias, eps)
    axes = tuple(range(-n_axes, 0))
    mean = mx.mean(input, axis=axes, keepdims=True)
    out = (input - mean) * mx.rsqrt(mx.var(input, axis=axes, keepdims=True) + eps)
    if weight is not None:
        out = out * weight
    return out if bias is None else out + bias


def ops_multinomial(input, num_samples, replacement=False):
    """torch.multinomial: int32 category indices drawn with probabilities proportional to `input` (last
    axis). Without replacement it takes the top num_samples of log(p) + Gumbel noise, which draws
    distinct categories with torch's sequential-sampling distribution."""
    logits = mx.log(input)
    if replacement:
        return mx.random.categorical(logits, num_samples=num_samples).astype(mx.int32)
    gumbel = -mx.log(-mx.log(mx.random.uniform(shape=input.shape)))
    order = mx.argsort(-(logits + gumbel), axis=-1)
    return mx.take(order, mx.arange(num_samples), axis=-1).astype(mx.int32)


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


def ops_split(tensor, split_size_or_sections, dim=0):
    """torch.split: pieces of `split_size_or_sections` elements (the last may be shorter), or a list of
    piece sizes; mx.split takes cut indices instead."""
    n = tensor.shape[dim]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        sizes = [size] * (n // size) + ([n % size] if n % size else [])
    else:
        sizes = list(split_size_or_sections)
    cuts, total = [], 0
    for s in sizes[:-1]:
        total += s
        cuts.append(total)
    return tuple(mx.split(tensor, cuts, axis=dim))


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


class LayerNorm(nn.Module):
    """ LayerNorm but with an optional bias. PyTorch doesn't support simply bias=False """

    def __init__(self, ndim, bias):
        super().__init__()
        self.weight = mx.ones(ndim)
        self.bias = mx.zeros(ndim) if bias else None

    def __call__(self, input):
        return ops_layer_norm(input, self.weight.shape, self.weight, self.bias, 1e-5)

class CausalSelfAttention(nn.Module):

    def __init__(self, config):
        super().__init__()
        assert config.n_embd % config.n_head == 0
        # key, query, value projections for all heads, but in a batch
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        # output projection
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        # regularization
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        self.dropout = config.dropout
        # flash attention make GPU go brrrrr but support is only in PyTorch >= 2.0
        self.flash = True
        if not self.flash:
            print("WARNING: using slow attention. Flash Attention requires PyTorch >= 2.0")
            # causal mask to ensure that attention is only applied to the left in the input sequence
            self.bias = mx.tril(mx.ones((config.block_size, config.block_size))).reshape(1, 1, config.block_size, config.block_size)
            self.freeze(keys=["bias"], recurse=False)

    def __call__(self, x):
        B, T, C = x.shape # batch size, sequence length, embedding dimensionality (n_embd)

        # calculate query, key, values for all heads in batch and move head forward to be the batch dim
        q, k, v  = ops_split(self.c_attn(x), self.n_embd, 2)
        k = k.reshape(B, T, self.n_head, C // self.n_head).swapaxes(1, 2) # (B, nh, T, hs)
        q = q.reshape(B, T, self.n_head, C // self.n_head).swapaxes(1, 2) # (B, nh, T, hs)
        v = v.reshape(B, T, self.n_head, C // self.n_head).swapaxes(1, 2) # (B, nh, T, hs)

        # causal self-attention; Self-attend: (B, nh, T, hs) x (B, nh, hs, T) -> (B, nh, T, T)
        if self.flash:
            # efficient attention using Flash Attention CUDA kernels
            y = ops_scaled_dot_product_attention(q, k, v, attn_mask=None, is_causal=True)  # c2m: C2M-W003 F.scaled_dot_product_attention(dropout_p=self.dropout if self.training else 0) is not supported
        else:
            # manual implementation of attention
            att = (q @ k.swapaxes(-2, -1)) * (1.0 / math.sqrt(k.shape[-1]))
            att = mx.where(self.bias[:,:,:T,:T] == 0, float('-inf'), att).astype(att.dtype)
            att = mx.softmax(att, axis=-1)
            att = self.attn_dropout(att)
            y = att @ v # (B, nh, T, T) x (B, nh, T, hs) -> (B, nh, T, hs)
        y = y.swapaxes(1, 2).reshape(B, T, C) # re-assemble all head outputs side by side

        # output projection
        y = self.resid_dropout(self.c_proj(y))
        return y

class MLP(nn.Module):

    def __init__(self, config):
        super().__init__()
        self.c_fc    = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu    = nn.GELU()
        self.c_proj  = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def __call__(self, x):
        x = self.c_fc(x)
        x = self.gelu(x)
        x = self.c_proj(x)
        x = self.dropout(x)
        return x

class Block(nn.Module):

    def __init__(self, config):
        super().__init__()
        self.ln_1 = LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def __call__(self, x):
        x = x + self.attn(self.ln_1(x))
        x = x + self.mlp(self.ln_2(x))
        return x

@dataclass
class GPTConfig:
    block_size: int = 1024
    vocab_size: int = 50304 # GPT-2 vocab_size of 50257, padded up to nearest multiple of 64 for efficiency
    n_layer: int = 12
    n_head: int = 12
    n_embd: int = 768
    dropout: float = 0.0
    bias: bool = True # True: bias in Linears and LayerNorms, like GPT-2. False: a bit better and faster

class GPT(C2MModuleMixin, nn.Module):

    def __init__(self, config):
        super().__init__()
        assert config.vocab_size is not None
        assert config.block_size is not None
        self.config = config

        self.transformer = ModuleDict(dict(
            wte = nn.Embedding(config.vocab_size, config.n_embd),
            wpe = nn.Embedding(config.block_size, config.n_embd),
            drop = nn.Dropout(config.dropout),
            h = [Block(config) for _ in range(config.n_layer)],
            ln_f = LayerNorm(config.n_embd, bias=config.bias),
        ))
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        # with weight tying when using torch.compile() some warnings get generated:
        # "UserWarning: functional_call was passed multiple values for tied weights.
        # This behavior is deprecated and will be an error in future versions"
        # not 100% sure what this is, so far seems to be harmless. TODO investigate
        self.transformer.wte.weight = self.lm_head.weight # https://paperswithcode.com/method/weight-tying

        # init all weights
        pass  # c2m: C2M-W011 self.apply(init_fn) not translated (MLX's Module.apply maps parameters)
        # apply special scaled init to the residual projections, per GPT-2 paper
        for pn, p in tree_flatten(self.parameters()):
            if pn.endswith('c_proj.weight'):
                pass  # c2m: C2M-W011 weight initialisation normal_ not translated

    def get_num_params(self, non_embedding=True):
        """
        Return the number of parameters in the model.
        For non-embedding count (default), the position embeddings get subtracted.
        The token embeddings would too, except due to the parameter sharing these
        params are actually used as weights in the final layer, so we include them.
        """
        n_params = sum(p.size for p in (p for _, p in tree_flatten(self.parameters())))
        if non_embedding:
            n_params -= self.transformer.wpe.weight.size
        return n_params

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            module.weight = nn.init.normal(0.0, 0.02)(module.weight)
            if "bias" in module:
                module.bias = mx.zeros_like(module.bias)
        elif isinstance(module, nn.Embedding):
            module.weight = nn.init.normal(0.0, 0.02)(module.weight)

    def __call__(self, idx, targets=None):
        b, t = idx.shape
        assert t <= self.config.block_size, f"Cannot forward sequence of length {t}, block size is only {self.config.block_size}"
        pos = mx.arange(0, t, dtype=mx.int64) # shape (t)

        # forward the GPT model itself
        tok_emb = self.transformer.wte(idx) # token embeddings of shape (b, t, n_embd)
        pos_emb = self.transformer.wpe(pos) # position embeddings of shape (t, n_embd)
        x = self.transformer.drop(tok_emb + pos_emb)
        for block in self.transformer.h:
            x = block(x)
        x = self.transformer.ln_f(x)

        if targets is not None:
            # if we are given some desired targets also calculate the loss
            logits = self.lm_head(x)
            loss = ops_cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-1)
        else:
            # inference-time mini-optimization: only forward the lm_head on the very last position
            logits = self.lm_head(x[:, [-1], :]) # note: using list [-1] to preserve the time dim
            loss = None

        return logits, loss

    def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None):
        """
        Take a conditioning sequence of indices idx (LongTensor of shape (b,t)) and complete
        the sequence max_new_tokens times, feeding the predictions back into the model each time.
        Most likely you'll want to make sure to be in model.eval() mode of operation for this.
        """
        for _ in range(max_new_tokens):
            # if the sequence context is growing too long we must crop it at block_size
            idx_cond = idx if idx.shape[1] <= self.config.block_size else idx[:, -self.config.block_size:]
            # forward the model to get the logits for the index in the sequence
            logits, _ = self(idx_cond)
            # pluck the logits at the final step and scale by desired temperature
            logits = logits[:, -1, :] / temperature
            # optionally crop the logits to only the top k options
            if top_k is not None:
                v, _ = ops_topk(logits, min(top_k, logits.shape[-1]))
                logits = mx.where(logits < v[:, [-1]], -float('Inf'), logits)
            # apply softmax to convert logits to (normalized) probabilities
            probs = mx.softmax(logits, axis=-1)
            # sample from the distribution
            idx_next = ops_multinomial(probs, 1)
            # append sampled index to the running sequence and continue
            idx = mx.concatenate((idx, idx_next), axis=1)

        return idx


# c2m: torch state_dict keys and layouts -> MLX parameters (read by `c2m weights --map` and sanitize())
C2M_TOP_LEVEL = "GPT"
C2M_WEIGHT_MAPS = {
    "LayerNorm": [],
    "CausalSelfAttention": [],
    "MLP": [],
    "Block": [],
    "GPT": [],
}
