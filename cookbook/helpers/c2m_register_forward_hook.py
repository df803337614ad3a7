class _C2MHookHandle:
    """torch's RemovableHandle for a hook c2m_register_forward_hook installed."""

    def __init__(self, hooks, entry):
        self._hooks, self._entry = hooks, entry

    def remove(self):
        if self._entry in self._hooks:
            self._hooks.remove(self._entry)


def c2m_register_forward_hook(module, hook, *, prepend=False, with_kwargs=False, always_call=False):
    """torch's `module.register_forward_hook(hook)` (transformers' output capturing collects hidden states so): MLX's
    Module runs no hooks, so the module becomes an instance of a subclass of its class (same name) whose __call__ runs
    the class's and then each hook, as torch does: `hook(module, args, output)` (with_kwargs: `(module, args, kwargs,
    output)`), a result other than None replacing the output."""
    hooks = module.__dict__.get("_c2m_forward_hooks")
    if hooks is None:
        hooks = []
        object.__setattr__(module, "_c2m_forward_hooks", hooks)
        cls = type(module)

        def __call__(self, *args, **kwargs):
            output = cls.__call__(self, *args, **kwargs)
            for fn, kw in list(self.__dict__["_c2m_forward_hooks"]):
                result = fn(self, args, kwargs, output) if kw else fn(self, args, output)
                if result is not None:
                    output = result
            return output

        module.__class__ = type(cls.__name__, (cls,), {"__call__": __call__, "__module__": cls.__module__, "__qualname__": cls.__qualname__})
    entry = (hook, with_kwargs)
    if prepend:
        hooks.insert(0, entry)
    else:
        hooks.append(entry)
    return _C2MHookHandle(hooks, entry)
