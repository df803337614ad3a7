def ops_conv(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """torch F.conv1d/2d/3d on a channels-last input (N, *spatial, C_in), with the weight in torch's
    (C_out, C_in/groups, *kernel) layout (moved to MLX's (C_out, *kernel, C_in/groups) here).
    padding: int, tuple, 'valid' or 'same' (torch puts the odd extra element after)."""
    w = mx.moveaxis(weight, 1, -1)
    n_spatial = input.ndim - 2

    def per_axis(v):
        return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n_spatial

    stride, dilation = per_axis(stride), per_axis(dilation)
    if padding == "valid":
        padding = 0
    if padding == "same":
        total = [d * (k - 1) for d, k in zip(dilation, w.shape[1:-1])]
        padding = ([t // 2 for t in total], [t - t // 2 for t in total])
    else:
        padding = per_axis(padding)
    out = mx.conv_general(input, w, stride=stride, padding=padding, kernel_dilation=dilation, groups=groups)
    return out if bias is None else out + bias
