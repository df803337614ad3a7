import collections

OpsSortResult = collections.namedtuple("OpsSortResult", ["values", "indices"])


def ops_sort(input, dim=-1, descending=False, stable=False):
    """torch.sort: (values, int32 indices) along `dim`; ties keep their order; NaN counts as the largest
    value, as in torch (last ascending, first descending)."""
    key = input.astype(mx.int32) if input.dtype == mx.bool_ else input
    if descending:
        key = -key
        if mx.issubdtype(key.dtype, mx.floating):
            key = mx.where(mx.isnan(key), -mx.inf, key)
    indices = mx.argsort(key, axis=dim)
    return OpsSortResult(mx.take_along_axis(input, indices, axis=dim), indices.astype(mx.int32))
