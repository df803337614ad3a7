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
    maps = getattr(__import__("sys").modules.get(cls.__module__), "C2M_WEIGHT_MAPS", None)
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
    (the owner, its MLX path and where its part of the key starts), and the module holding the parameter (None if the
    path leaves the model)."""
    parts = key.split(".")
    node, path = model, []
    owner = (model, [], 0)
    for i, segment in enumerate(parts[:-1]):
        if isinstance(node, nn.Module) and _c2m_weight_map_of(node) is not None:
            owner = (node, list(path), i)
        node, segments = _c2m_step(node, segment)
        if node is None:
            return owner, None, None
        path += segments
    if isinstance(node, nn.Module) and _c2m_weight_map_of(node) is not None:
        owner = (node, list(path), len(parts) - 1)
    return owner, (node if isinstance(node, nn.Module) else None), path


def _c2m_layer_layout(leaf, name):
    """The op that puts torch's tensor for `name` into the MLX layer `leaf`'s layout; None if c2m does not know the layer."""
    for classes, layouts in _C2M_LAYER_LAYOUTS:
        if isinstance(leaf, classes) and isinstance(leaf.get(name), mx.array):
            return layouts.get(name, "identity")
    return None


def c2m_resolve_torch_keys(model, file_or_weights):
    """The weights of `model.load_weights`, with each key `c2m weights` left under its torch name (`torch:blocks.0.0.conv.weight`:
    a module built at run time, which no static rule could name) resolved against the modules `model` built: the deepest
    module on the key's path whose class c2m emitted converts its part of the key with its own weight map; a key that map
    also leaves to run time takes the layout of the MLX layer holding it (conv -> OHWI). A key no known layer holds raises."""
    pairs = list(mx.load(file_or_weights).items()) if isinstance(file_or_weights, str) else list(file_or_weights)
    out, groups = [], {}
    for key, value in pairs:
        if not key.startswith(C2M_RUNTIME_KEY):
            out.append((key, value))
            continue
        torch_key = key[len(C2M_RUNTIME_KEY):]
        (owner, path, start), leaf, leaf_path = _c2m_walk(model, torch_key)
        group = groups.setdefault(id(owner), (owner, path, {}, {}))
        suffix = ".".join(torch_key.split(".")[start:])
        group[2][suffix] = value
        group[3][suffix] = (torch_key, leaf, leaf_path)
    for owner, path, weights, leaves in groups.values():
        # a key the owner's map has no rule for (a child its file could not see, given by another file) is resolved
        # by the layer holding it, as a key the map leaves to run time
        rules = c2m_runtime_renames(_c2m_weight_map_of(owner) or []) + [("**", C2M_RUNTIME_KEY + "**", "identity")]
        for name, value in c2m_apply_weight_map(weights, rules).items():
            if name.startswith(C2M_RUNTIME_KEY):
                torch_key, leaf, leaf_path = leaves[name[len(C2M_RUNTIME_KEY):]]
                param = torch_key.rpartition(".")[2]
                if param == "num_batches_tracked":
                    continue  # BatchNorm's step counter: no MLX layer holds one
                if leaf is owner:
                    out.append((".".join(leaf_path + [param]), value))  # the emitted class's own parameter, as its map keeps it
                    continue
                op = _c2m_layer_layout(leaf, param) if leaf is not None else None
                if op is None:
                    held = f"a {type(leaf).__name__}" if leaf is not None else "no module of the model"
                    raise ValueError(f"c2m: torch key {torch_key!r} is held by {held}, whose weight layout c2m does not know: convert it by hand")
                converted = c2m_apply_weight_map({param: value}, [(param, param, op)])
                out += [(".".join(leaf_path + [k]), v) for k, v in converted.items()]
                continue
            out.append((".".join(path + [name]), value))
    return out
