def ops_adaptive_avg_pool(input, output_size):
    """torch F.adaptive_avg_pool1d/2d/3d on a channels-last (N, *spatial, C) input: output cell i along
    an axis of length L averages positions floor(i*L/out) .. ceil((i+1)*L/out), as torch does (the
    cells are boxes, so the axes are pooled one after another); None keeps that size."""
    n_spatial = input.ndim - 2
    sizes = (output_size,) * n_spatial if isinstance(output_size, int) else tuple(output_size)
    x = input
    for k, out in enumerate(sizes):
        axis, length = 1 + k, input.shape[1 + k]
        out = out or length
        if length % out == 0:
            shape = x.shape[:axis] + (out, length // out) + x.shape[axis + 1:]
            x = mx.mean(x.reshape(shape), axis=axis + 1)
        else:
            cells = [mx.mean(mx.take(x, mx.arange((i * length) // out, -(-((i + 1) * length) // out)), axis=axis), axis=axis) for i in range(out)]
            x = mx.stack(cells, axis=axis)
    return x
