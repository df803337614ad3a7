def ops_batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """torch F.batch_norm in eval mode on torch's (N, C, *) order: normalise each channel with the
    running statistics, then the per-channel affine."""
    channel_shape = (1, input.shape[1]) + (1,) * (input.ndim - 2)
    x = (input - running_mean.reshape(channel_shape)) * mx.rsqrt(running_var.reshape(channel_shape) + eps)
    if weight is not None:
        x = x * weight.reshape(channel_shape)
    return x if bias is None else x + bias.reshape(channel_shape)
