class Untranslated:
    """A torch name c2m could not translate (a C2M-E050 marker says where Python evaluates it on import, a
    C2M-W041 one where only functions read it): the module still imports, and using the name raises. Port
    that use by hand."""

    def __init__(self, name, code="C2M-E050"):
        self._name = name
        self._code = code

    def _fail(self, *args, **kwargs):
        raise NotImplementedError(f"c2m: {self._name} has no MLX translation ({self._code}); port it by hand")

    __call__ = _fail
    __iter__ = _fail
    __bool__ = _fail

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return Untranslated(f"{self._name}.{attr}", self._code)

    def __getitem__(self, key):
        # a generic subscript on import (`Dataset[T]`) stays a placeholder
        return self

    def __or__(self, other):
        # a union in an annotation evaluated on import (`torch.dtype | None`) stays a placeholder
        return self

    __ror__ = __or__

    def __instancecheck__(self, obj):
        # `isinstance(mask, (mx.array, BlockMask))` with an untranslated torch class: nothing in a port is one (making
        # one raises), so the test is False, as it is in torch for any object not of that class
        return False

    def __subclasscheck__(self, cls):
        return False

    def as_decorator(self, fn):
        # a decorator c2m could not translate: the decorated name raises when used
        return Untranslated(f"{self._name}({getattr(fn, '__name__', 'function')})")

    def __mro_entries__(self, bases):
        # a base class c2m could not translate: the class is defined, and using what it inherits raises
        name = self._name
        # the class's metaclass must derive from its other bases' (`class D(ABC, Untranslated("torch.x"))`), and
        # from ABCMeta for a subclass that adds ABC later (`class F(ABC, D)`)
        meta = __import__("abc").ABCMeta  # helpers import nothing at the top (they are pasted into the output)
        for b in bases:
            if isinstance(b, type) and issubclass(type(b), meta):
                meta = type(b)

        class UntranslatedBase(meta):
            def __getattr__(cls, attr):
                if attr.startswith("__"):
                    raise AttributeError(attr)
                raise NotImplementedError(f"c2m: {cls.__name__}.{attr} comes from {name}, which has no MLX translation (C2M-E050)")

        def fail(self, *args, **kwargs):
            raise NotImplementedError(f"c2m: {type(self).__name__} derives from {name}, which has no MLX translation (C2M-E050)")

        return (UntranslatedBase(name.rsplit(".", 1)[-1], (), {"__init__": fail}),)
