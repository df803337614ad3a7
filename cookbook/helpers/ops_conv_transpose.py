def ops_conv_transpose(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """torch F.conv_transpose1d/2d/3d on a channels-last (N, *spatial, C_in) input, with the weight in
    torch's (C_in, C_out/groups, *kernel) layout (regrouped here to MLX's (C_out, *kernel, C_in/groups))."""
    c_in, c_out_g = weight.shape[0], weight.shape[1]
    kernel = weight.shape[2:]
    w = weight.reshape((groups, c_in // groups, c_out_g) + kernel)
    w = mx.moveaxis(w, 1, -1)  # (groups, C_out/groups, *kernel, C_in/groups)
    w = w.reshape((groups * c_out_g,) + kernel + (c_in // groups,))
    n_spatial = input.ndim - 2
    conv = (mx.conv_transpose1d, mx.conv_transpose2d, mx.conv_transpose3d)[n_spatial - 1]
    if n_spatial == 1:
        unwrap = lambda v: v[0] if isinstance(v, (tuple, list)) else v
        stride, padding, dilation, output_padding = map(unwrap, (stride, padding, dilation, output_padding))
    out = conv(input, w, stride=stride, padding=padding, dilation=dilation, output_padding=output_padding, groups=groups)
    return out if bias is None else out + bias
