def c2m_modules(module):
    """torch's Module.modules(): the module and every submodule in torch's order (see c2m_named_modules)."""
    return [m for _, m in c2m_named_modules(module)]
