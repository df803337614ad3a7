def c2m_refuse_classes(value, refused, where):
    """Refuses, when a model is built, a class of its file that c2m did not translate the model for (C2M-W058):
    the model's layouts and weight map were made for the classes c2m saw `where` hold, and another class of
    the file (a norm reading the channels at axis 1, given channels-last input) would give wrong numbers.
    `value` is a class, a functools.partial of one, or a list or tuple of those; classes from outside the
    file (the user's own MLX modules) pass."""
    functools_partial = __import__("functools").partial
    for item in value if isinstance(value, (list, tuple)) else (value,):
        cls = item.func if isinstance(item, functools_partial) else item
        if any(cls is r for r in refused):
            raise NotImplementedError(
                f"c2m: {where}, not for {cls.__name__} (C2M-W058): compile the model with a construction "
                f"that passes {cls.__name__} (a model function of its file) so that c2m translates it too"
            )
