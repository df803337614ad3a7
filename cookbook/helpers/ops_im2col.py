def ops_im2col(input, kernel_size, dilation=1, padding=0, stride=1):
    """torch.nn.functional.unfold on (N, C, H, W) or (C, H, W): each kernel_size block as a column, (N, C * kh * kw, L),
    row c * kh * kw + i * kw + j holding channel c at kernel offset (i, j) as torch orders them, the blocks row by row."""
    pair = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v, v)
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = pair(kernel_size), pair(dilation), pair(padding), pair(stride)
    batched = input.ndim == 4
    x = mx.pad(input if batched else input[None], [(0, 0), (0, 0), (ph, ph), (pw, pw)])
    n, c, h, w = x.shape
    oh, ow = (h - dh * (kh - 1) - 1) // sh + 1, (w - dw * (kw - 1) - 1) // sw + 1
    cols = [x[:, :, i * dh : i * dh + sh * (oh - 1) + 1 : sh, j * dw : j * dw + sw * (ow - 1) + 1 : sw] for i in range(kh) for j in range(kw)]
    out = mx.stack(cols, axis=2).reshape(n, c * kh * kw, oh * ow)
    return out if batched else out[0]
