def ops_col2im(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """torch.nn.functional.fold: columns (N, C * kh * kw, L) as ops_im2col lays them out, summed back into
    (N, C, H, W) (or (C, H, W) from an unbatched input), where blocks overlap their values added."""
    pair = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v, v)
    (oh, ow), (kh, kw), (dh, dw), (ph, pw), (sh, sw) = pair(output_size), pair(kernel_size), pair(dilation), pair(padding), pair(stride)
    batched = input.ndim == 3
    cols = input if batched else input[None]
    n, ck, _ = cols.shape
    c = ck // (kh * kw)
    h, w = oh + 2 * ph, ow + 2 * pw
    bh, bw = (h - dh * (kh - 1) - 1) // sh + 1, (w - dw * (kw - 1) - 1) // sw + 1
    cols = cols.reshape(n, c, kh, kw, bh, bw)
    out = mx.zeros((n, c, h, w), dtype=input.dtype)
    for i in range(kh):
        for j in range(kw):
            out = out.at[:, :, i * dh : i * dh + sh * (bh - 1) + 1 : sh, j * dw : j * dw + sw * (bw - 1) + 1 : sw].add(cols[:, :, i, j])
    out = out[:, :, ph : ph + oh, pw : pw + ow]
    return out if batched else out[0]
