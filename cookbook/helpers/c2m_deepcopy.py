def c2m_deepcopy(x, memo=None):
    """copy.deepcopy, sharing MLX's compiled functions: nn.relu, nn.gelu… are mx.compile'd and cannot be pickled, so
    copying a module that holds one (DETR's `self.activation = F.relu`, cloned per layer) failed, where torch's
    functions are copied as themselves, like every plain function."""
    memo = {} if memo is None else memo
    compiled = type(nn.relu)
    seen, stack = set(), [x]
    while stack:
        o = stack.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        if isinstance(o, compiled):
            memo.setdefault(id(o), o)
            continue
        if isinstance(o, dict):
            stack.extend(o.values())
        elif isinstance(o, (list, tuple, set, frozenset)):
            stack.extend(o)
        if hasattr(o, "__dict__"):
            stack.extend(vars(o).values())
        # functools.partial(nn.gelu, …)
        if callable(o) and hasattr(o, "func") and hasattr(o, "keywords"):
            stack.extend([o.func, *o.args, *(o.keywords or {}).values()])
    # (helpers import nothing at their top: they are pasted below the output's own imports)
    return __import__("copy").deepcopy(x, memo)
