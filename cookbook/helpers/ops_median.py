import collections

OpsMedianResult = collections.namedtuple("OpsMedianResult", ["values", "indices"])


def ops_median(input, dim=None, keepdim=False):
    """torch.median: the LOWER of the two middle values for an even count (mx.median averages them);
    with `dim`, the (values, int32 indices) pair."""
    flat = input.reshape(-1) if dim is None else input
    axis = 0 if dim is None else dim
    order = mx.argsort(flat, axis=axis)
    middle = mx.take(order, (flat.shape[axis] - 1) // 2, axis=axis)
    middle = mx.expand_dims(middle, axis)
    values = mx.take_along_axis(flat, middle, axis=axis)
    if dim is None:
        return values.reshape(())
    if not keepdim:
        values, middle = values.squeeze(axis), middle.squeeze(axis)
    return OpsMedianResult(values, middle.astype(mx.int32))
