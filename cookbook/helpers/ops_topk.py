import collections

OpsTopkResult = collections.namedtuple("OpsTopkResult", ["values", "indices"])


def ops_topk(input, k, dim=-1, largest=True, sorted=True):
    """torch.topk: the k largest (or smallest) values along `dim`, sorted, with their int32 indices;
    mx.topk returns the values only, unsorted."""
    order = mx.argsort(-input if largest else input, axis=dim)
    indices = mx.take(order, mx.arange(k), axis=dim)
    return OpsTopkResult(mx.take_along_axis(input, indices, axis=dim), indices.astype(mx.int32))
