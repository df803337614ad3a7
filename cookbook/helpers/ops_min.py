import collections

OpsMinResult = collections.namedtuple("OpsMinResult", ["values", "indices"])


def ops_min(input, dim=None, keepdim=False, other=None):
    """torch.min: the smallest element; the elementwise minimum when given a tensor; with `dim`, the
    (values, indices) pair, indices int32 (torch: int64)."""
    if isinstance(dim, mx.array):
        dim, other = None, dim
    if other is not None:
        return mx.minimum(input, other)
    if dim is None:
        return mx.min(input)
    values = mx.min(input, axis=dim, keepdims=keepdim)
    indices = mx.argmin(input, axis=dim, keepdims=keepdim).astype(mx.int32)
    return OpsMinResult(values, indices)
