def ops_group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """torch F.group_norm on torch's (N, C, *) order: statistics per sample over each group of C/num_groups
    channels and all positions; per-channel affine."""
    n, c = input.shape[0], input.shape[1]
    x = input.reshape(n, num_groups, -1)
    mean = mx.mean(x, axis=-1, keepdims=True)
    x = ((x - mean) * mx.rsqrt(mx.var(x, axis=-1, keepdims=True) + eps)).reshape(input.shape)
    channel_shape = (1, c) + (1,) * (input.ndim - 2)
    if weight is not None:
        x = x * weight.reshape(channel_shape)
    return x if bias is None else x + bias.reshape(channel_shape)
