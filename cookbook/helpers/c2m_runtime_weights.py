# what `c2m weights` stores a key under when the weight map leaves it to the built module (a `runtime` rule)
C2M_RUNTIME_KEY = "torch:"

# MLX layers whose parameters keep torch's names, and the layout a parameter's torch tensor needs (identity if unnamed)
_C2M_LAYER_LAYOUTS = (
    ((nn.Conv1d, nn.Conv2d, nn.Conv3d), {"weight": "conv"}),
    ((nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d), {"weight": "conv_transpose"}),
    ((nn.Linear, nn.Embedding, nn.LayerNorm, nn.RMSNorm, nn.GroupNorm, nn.BatchNorm, nn.InstanceNorm), {}),
)


def c2m_runtime_renames(rules):
    """The rules, a `runtime` one as a rename into C2M_RUNTIME_KEY's space (what `c2m weights` writes for it), for
    c2m_apply_weight_map, which knows no run time."""
    return [(r[0], C2M_RUNTIME_KEY + r[0], "identity") if r[2] == "runtime" else r for r in rules]


def _c2m_weight_map_of(module):
    """The rules of the module's class in C2M_WEIGHT_MAPS of the file c2m emitted it to; None for a class c2m did not emit."""
    cls = type(module)
    maps = getattr(__import__("sys").modules.get(cls.__module__), "C2M_WEIGHT_MAPS", None)  # helpers import nothing at their top
    return maps.get(cls.__name__) if isinstance(maps, dict) else None


def _c2m_step(node, segment):
    """The child one segment of a torch key names, and its segments in MLX's path (a Sequential keeps its items in `layers`)."""
    if isinstance(node, dict) and isinstance(node.get(segment), (dict, list)):
        return node[segment], [segment]
    if segment.isdigit():
        layers = node.get("layers") if isinstance(node, nn.Module) else node
        if isinstance(layers, list) and int(segment) < len(layers):
            return layers[int(segment)], (["layers", segment] if layers is not node else [segment])
    return None, None


def _c2m_walk(model, key):
    """Follows a torch key down the built model: the deepest module on the way whose class c2m emitted with a weight map
    (the owner: the module, its MLX path and where its part of the key starts), and the deepest module of all (the leaf,
    likewise; (None, None, 0) if the path leaves the model). Below the leaf lie only plain dicts and lists (weight_norm's
    `parametrizations.weight.original0`), whose MLX path is torch's."""
    parts = key.split(".")
    node, path = model, []
    owner = leaf = (model, [], 0)
    for i, segment in enumerate(parts[:-1]):
        if isinstance(node, nn.Module):
            leaf = (node, list(path), i)
            if _c2m_weight_map_of(node) is not None:
                owner = leaf
        node, segments = _c2m_step(node, segment)
        if node is None:
            return owner, (None, None, 0)
        path += segments
    if isinstance(node, nn.Module):
        leaf = (node, list(path), len(parts) - 1)
        if _c2m_weight_map_of(node) is not None:
            owner = leaf
    return owner, leaf


def _c2m_layer_layout(leaf, name):
    """The op that puts torch's tensor for `name` into the MLX layer `leaf`'s layout; None if c2m does not know the layer.
    A helper layer says its own (C2M_TORCH_LAYOUT: ConvTorch holds a conv's weight as MLX's convolutions do)."""
    own = getattr(type(leaf), "C2M_TORCH_LAYOUT", None)
    if isinstance(own, dict):
        return own.get(name, "identity")
    for classes, layouts in _C2M_LAYER_LAYOUTS:
        if isinstance(leaf, classes):
            return layouts.get(name, "identity")
    return None


def _c2m_normed(leaf, rest):
    """The layer parameter whose layout a parameter path below a layer takes: itself, or the weight weight_norm splits
    into g and v (`weight_g`, `weight_v`; `parametrizations.weight.original0/1`), which c2m converts as that weight."""
    if len(rest) == 3 and rest[0] == "parametrizations" and rest[2] in ("original0", "original1"):
        return rest[1]
    if len(rest) != 1:
        return None
    stem, _, form = rest[0].rpartition("_")
    return stem if form in ("g", "v") and stem and not isinstance(dict.get(leaf, stem), mx.array) else rest[0]


def _c2m_by_layer(torch_key, owner, leaf, leaf_path, start, value):
    """A key no rule of its owner's map converts, by the module holding it: a layer by its known layout, the owner's own
    parameter as it stands (as the static map keeps it). Raises for anything else: never a guess."""
    rest = torch_key.split(".")[start:]
    if rest[-1] == "num_batches_tracked":
        return []  # BatchNorm's step counter: no MLX layer holds one
    name = _c2m_normed(leaf, rest) if leaf is not None else None
    op = _c2m_layer_layout(leaf, name) if name is not None else None
    if op is None and leaf is not None and leaf is owner:
        op = "identity"
    if op is None:
        held = f"a {type(leaf).__name__}" if leaf is not None else "no module of the model"
        raise ValueError(f"c2m: torch key {torch_key!r} is held by {held}, whose weight layout c2m does not know: convert it by hand")
    param = ".".join(rest)
    converted = c2m_apply_weight_map({param: value}, [(param, param, op)])
    return [(".".join(leaf_path + [k]), v, repr(torch_key)) for k, v in converted.items()]


def _c2m_torch_key(source):
    """The torch key a resolved key came from: given, or the one its owner's map converts to it (searched for an error only)."""
    if isinstance(source, str):
        return source
    prefix, weights, rules, name = source
    for suffix, value in weights.items():
        try:
            if name in c2m_apply_weight_map({suffix: value}, rules):
                return repr(".".join(([prefix] if prefix else []) + [suffix]))
        except KeyError:  # a rule summing several keys, given one
            continue
    return f"under {prefix!r}" if prefix else "of the model"


def _c2m_check_resolved(model, resolved):
    """Each key resolved at load names a parameter the built model holds, with its shape: else an error naming torch's key."""
    held = dict(__import__("mlx.utils", fromlist=["tree_flatten"]).tree_flatten(model.parameters()))
    for key, value, source in resolved:
        torch_key = _c2m_torch_key(source) if key not in held or tuple(held[key].shape) != tuple(value.shape) else None
        if key not in held:
            raise ValueError(f"c2m: torch key {torch_key} resolves to {key!r}, which the model does not hold")
        if tuple(held[key].shape) != tuple(value.shape):
            raise ValueError(f"c2m: torch key {torch_key} resolves to {key!r} of shape {tuple(value.shape)}; the model holds {tuple(held[key].shape)}")


def c2m_resolve_torch_keys(model, file_or_weights):
    """The weights of `model.load_weights`, with each key `c2m weights` left under its torch name (`torch:blocks.0.0.conv.weight`:
    a module built at run time, which no static rule could name) resolved against the modules `model` built: the deepest
    module on the key's path whose class c2m emitted converts its part of the key with its own weight map; a key that map
    leaves to run time, or has no rule for (a child another file gives it), takes the layout of the MLX layer holding it
    (conv -> OHWI). A key no known layer holds, or that resolves to no parameter of the model's shape, raises."""
    pairs = list(mx.load(file_or_weights).items()) if isinstance(file_or_weights, str) else list(file_or_weights)
    out, groups, resolved = [], {}, []
    for key, value in pairs:
        if not key.startswith(C2M_RUNTIME_KEY):
            out.append((key, value))
            continue
        torch_key = key[len(C2M_RUNTIME_KEY):]
        (owner, path, start), leaf = _c2m_walk(model, torch_key)
        group = groups.setdefault(id(owner), (owner, path, {}, {}, ".".join(torch_key.split(".")[:start])))
        suffix = ".".join(torch_key.split(".")[start:])
        group[2][suffix] = value
        group[3][suffix] = (torch_key, *leaf)
    for owner, path, weights, leaves, prefix in groups.values():
        # the owner's rules first; what they leave to run time or do not name at all goes by the layer holding it
        rules = c2m_runtime_renames(_c2m_weight_map_of(owner) or []) + [("**", C2M_RUNTIME_KEY + "**", "identity")]
        for name, value in c2m_apply_weight_map(weights, rules).items():
            if name.startswith(C2M_RUNTIME_KEY):
                torch_key, leaf, leaf_path, leaf_start = leaves[name[len(C2M_RUNTIME_KEY):]]
                resolved += _c2m_by_layer(torch_key, owner, leaf, leaf_path, leaf_start, value)
            else:
                resolved.append((".".join(path + [name]), value, (prefix, weights, rules, name)))
    _c2m_check_resolved(model, resolved)
    return out + [(key, value) for key, value, _ in resolved]
