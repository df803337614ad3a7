def adaptive_pool(x, output_size, reduce):
    # torch's adaptive pooling on channels-last x (N, *spatial, C): output cell i of an axis of
    # length n covers [floor(i*n/out), ceil((i+1)*n/out)). Pooling over a product of such ranges
    # is separable, so each spatial axis is reduced on its own.
    spatial = x.ndim - 2
    if not isinstance(output_size, (tuple, list)):
        output_size = (output_size,) * spatial
    for axis, out in zip(range(x.ndim - 1 - spatial, x.ndim - 1), output_size):
        n = x.shape[axis]
        if out is None or out == n:
            continue
        if n % out == 0:
            # Equal bins: one reshape and one reduction.
            shape = x.shape[:axis] + (out, n // out) + x.shape[axis + 1 :]
            x = reduce(x.reshape(shape), axis=axis + 1)
        else:
            lead = (slice(None),) * axis
            bins = [
                reduce(x[lead + (slice((i * n) // out, -(-(i + 1) * n // out)),)], axis=axis, keepdims=True)
                for i in range(out)
            ]
            x = mx.concatenate(bins, axis=axis)
    return x
