def c2m_modules(module):
    """torch's Module.modules(): the module and its submodules depth first, children in the order they were added.
    MLX's modules() visits them last to first; MUNIT hands out its AdaIN parameters in this order."""
    out, seen = [], set()

    def visit(v):
        if isinstance(v, (list, tuple)):
            for x in v:
                visit(x)
        elif isinstance(v, dict) and not isinstance(v, nn.Module):
            for x in v.values():
                visit(x)
        elif isinstance(v, nn.Module) and id(v) not in seen:
            seen.add(id(v))
            out.append(v)
            for x in dict.values(v):
                visit(x)

    visit(module)
    return out
