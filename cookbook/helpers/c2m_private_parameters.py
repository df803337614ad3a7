def _c2m_private_names(module):
    """The names starting with `_` that the module's class (or a base) holds torch's parameters under."""
    return getattr(type(module), "_c2m_private_parameters", ())


def _c2m_valid_parameter_filter(module, key, value):
    if not isinstance(value, (dict, list, mx.array)):
        return False
    if not key.startswith("_"):
        return True
    # a list's items come as `_blocks.0`; a module under a `_` name is torch's child whatever c2m knew of it
    return key.split(".", 1)[0] in _c2m_private_names(module) or (isinstance(value, nn.Module) and hasattr(type(module), "_c2m_private_parameters"))


def _c2m_trainable_parameter_filter(module, key, value):
    return _c2m_valid_parameter_filter(module, key, value) and key not in module._no_grad


def c2m_private_parameters(*names):
    """torch keeps a submodule, parameter or buffer under a name starting with `_` (`self._blocks`, `self._conv_stem`)
    in its state dict, where MLX's Module leaves every such name out of its parameters (its private attributes). The
    class decorated names them: parameters(), trainable_parameters(), load_weights(), update(), freeze() and apply()
    see them, as torch's state_dict() and parameters() do; its other `_` attributes stay private. MLX applies the
    filter of the module it is asked on to the whole tree below, so a class holding such a class is decorated too.
    """

    def decorate(cls):
        inherited = [n for base in cls.__mro__[1:] for n in base.__dict__.get("_c2m_private_parameters", ())]
        cls._c2m_private_parameters = frozenset(names).union(inherited)
        cls.valid_parameter_filter = staticmethod(_c2m_valid_parameter_filter)
        cls.trainable_parameter_filter = staticmethod(_c2m_trainable_parameter_filter)
        base_apply = cls.apply

        def apply(self, map_fn, filter_fn=None):
            return base_apply(self, map_fn, filter_fn or _c2m_valid_parameter_filter)

        cls.apply = apply
        return cls

    return decorate
