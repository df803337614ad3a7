import collections

OpsMaxResult = collections.namedtuple("OpsMaxResult", ["values", "indices"])


def ops_max(input, dim=None, keepdim=False, other=None):
    """torch.max: the largest element; the elementwise maximum when given a tensor; with `dim`, the
    (values, indices) pair, indices int32 (torch: int64)."""
    if isinstance(dim, mx.array):
        dim, other = None, dim
    if other is not None:
        return mx.maximum(input, other)
    if dim is None:
        return mx.max(input)
    values = mx.max(input, axis=dim, keepdims=keepdim)
    indices = mx.argmax(input, axis=dim, keepdims=keepdim).astype(mx.int32)
    return OpsMaxResult(values, indices)
