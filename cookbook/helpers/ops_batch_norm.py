def ops_batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """torch F.batch_norm on torch's (N, C, *) order: normalise each channel with the running statistics,
    or with the batch's own (biased variance) when training or given none (timm's weight standardisation:
    `F.batch_norm(w, None, None, training=True)`), then the per-channel affine. The running statistics are
    not updated in place (MLX arrays are values)."""
    channel_shape = (1, input.shape[1]) + (1,) * (input.ndim - 2)
    if training or running_mean is None:
        axes = [0] + list(range(2, input.ndim))
        mean, var = mx.mean(input, axis=axes, keepdims=True), mx.var(input, axis=axes, keepdims=True)
    else:
        mean, var = running_mean.reshape(channel_shape), running_var.reshape(channel_shape)
    x = (input - mean) * mx.rsqrt(var + eps)
    if weight is not None:
        x = x * weight.reshape(channel_shape)
    return x if bias is None else x + bias.reshape(channel_shape)
