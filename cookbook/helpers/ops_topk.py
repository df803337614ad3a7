import collections

OpsTopkResult = collections.namedtuple("OpsTopkResult", ["values", "indices"])


def ops_topk(input, k, dim=-1, largest=True, sorted=True):
    """torch.topk: the k largest (or smallest) values along `dim`, sorted, with their int32 indices
    (mx.topk returns the values only, unsorted). NaN counts as the largest value, as in torch."""
    key = input.astype(mx.int32) if input.dtype == mx.bool_ else input
    if largest:
        key = -key
        if mx.issubdtype(key.dtype, mx.floating):
            key = mx.where(mx.isnan(key), -mx.inf, key)
    indices = mx.take(mx.argsort(key, axis=dim), mx.arange(k), axis=dim)
    return OpsTopkResult(mx.take_along_axis(input, indices, axis=dim), indices.astype(mx.int32))
