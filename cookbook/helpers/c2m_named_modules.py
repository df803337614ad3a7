def c2m_named_modules(module, memo=None, prefix="", remove_duplicate=True):
    """torch's Module.named_modules(): the module and every submodule, depth first in the order children were added,
    under torch's dotted names ("model.0.block"). MLX's Module.modules() pops a stack, so it visits children last
    to first; code that pairs modules with values by position (MUNIT's AdaIN parameters) needs torch's order."""
    memo = set() if memo is None else memo
    out = []

    def visit(m, name):
        if remove_duplicate:
            if id(m) in memo:
                return
            memo.add(id(m))
        out.append((name, m))
        for child_name, child in c2m_named_children(m):
            # torch lets a ModuleList hold None (x-transformers' optional norms), which it skips here
            if child is not None:
                visit(child, f"{name}.{child_name}" if name else child_name)

    visit(module, prefix)
    return out
