def c2m_set_attribute(obj, name, value):
    """torch's `setattr(obj, name, value)` where c2m could not tell obj's type: an MLX array holds no attributes, so a
    hint set on a tensor (S4's and Hyena's `_optim` on a parameter, read by their optimizer set-up) is skipped; any
    other object gets the attribute."""
    if type(obj).__module__.startswith("mlx.") and type(obj).__name__ == "array":
        return
    setattr(obj, name, value)
