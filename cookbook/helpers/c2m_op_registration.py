def c2m_op_registration(name, fn=None, /, *args, **kwargs):
    """torch.library.custom_op / register_fake in the port: MLX has no operator registry, so the function stays the
    plain Python function it wraps (called directly, as torch calls the op); without `fn`, the decorator that does so."""
    if fn is not None:
        return fn
    return lambda func: func
