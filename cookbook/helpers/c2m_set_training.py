def c2m_set_training(obj, mode):
    """torch's `obj.training = mode`: an MLX module's training flag is a read-only property over `_training`, set here
    for that module alone, as torch's assignment does (train() would set every child's too); any other object gets
    the attribute."""
    if isinstance(obj, nn.Module):
        obj._training = mode
    else:
        obj.training = mode
