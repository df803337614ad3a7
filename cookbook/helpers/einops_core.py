def _c2m_einops_side(text, side):
    """One side of an einops pattern: a list of (names, grouped) pairs. A name is an axis name, '…' for the
    ellipsis or ('#', side, position, size) for an anonymous axis (`1`, `3`); `()` is an empty group (length 1)."""
    groups, group = [], None
    for position, token in enumerate(text.replace("(", " ( ").replace(")", " ) ").split()):
        if token == "(":
            group = []
            continue
        if token == ")":
            groups.append((group, True))
            group = None
            continue
        name = "…" if token == "..." else (("#", side, position, int(token)) if token.isdigit() else token)
        if group is None:
            groups.append(([name], False))
        else:
            group.append(name)
    return groups


def _c2m_einops_expand(groups, ellipsis):
    """The groups with the ellipsis replaced by its axes: one group each where it stands alone, inside a group where it is grouped."""
    out = []
    for names, grouped in groups:
        if "…" not in names:
            out.append(names)
        elif grouped:
            at = names.index("…")
            out.append(names[:at] + ellipsis + names[at + 1 :])
        else:
            out.extend([a] for a in ellipsis)
    return out


def c2m_einops(x, pattern, reduction, axes_lengths):
    """einops' rearrange / reduce / repeat on an mx.array, as einops computes them: split the input's axes into
    the pattern's elementary axes, reduce the axes the output lacks, order the rest as the output names them,
    add the output's new axes (repeat) and merge the output's groups."""
    if isinstance(x, (list, tuple)):
        x = mx.stack(list(x))
    left_text, right_text = pattern.split("->")
    left, right = _c2m_einops_side(left_text, 0), _c2m_einops_side(right_text, 1)
    ellipsis = []
    if any("…" in names for names, _ in left):
        ellipsis = [("…", i) for i in range(x.ndim - len(left) + 1)]
    left, right = _c2m_einops_expand(left, ellipsis), _c2m_einops_expand(right, ellipsis)
    if len(left) != x.ndim:
        raise ValueError(f"einops pattern '{pattern}' has {len(left)} input axes, the array {x.ndim}")
    sizes = {a: a[3] for group in left + right for a in group if a[0] == "#"}
    sizes.update(axes_lengths)
    for group, length in zip(left, x.shape):
        unknown = [a for a in group if a not in sizes]
        known = math.prod(sizes[a] for a in group if a in sizes)
        if len(unknown) > 1:
            raise ValueError(f"einops pattern '{pattern}': cannot infer the lengths of {unknown}")
        if unknown:
            sizes[unknown[0]] = length // known
        elif known != length:
            raise ValueError(f"einops pattern '{pattern}': axis of length {length} is not {known}")
    left_axes = [a for group in left for a in group]
    right_axes = [a for group in right for a in group]
    x = x.reshape([sizes[a] for a in left_axes])
    reduced = [i for i, a in enumerate(left_axes) if a not in right_axes]
    if reduced:
        if reduction is None and any(sizes[left_axes[i]] != 1 for i in reduced):
            raise ValueError(f"einops pattern '{pattern}' drops axes without a reduction")
        x = getattr(mx, {None: "sum", "mean": "mean", "sum": "sum", "max": "max", "min": "min", "prod": "prod"}[reduction])(x, axis=reduced)
    kept = [a for a in left_axes if a in right_axes]
    x = x.transpose([kept.index(a) for a in right_axes if a in kept])
    for i, a in enumerate(right_axes):
        if a not in kept:
            x = mx.expand_dims(x, i)
    x = mx.broadcast_to(x, [sizes[a] for a in right_axes])
    return x.reshape([math.prod(sizes[a] for a in group) for group in right])
