import collections

OpsSortResult = collections.namedtuple("OpsSortResult", ["values", "indices"])


def ops_sort(input, dim=-1, descending=False, stable=False):
    """torch.sort: (values, int32 indices) along `dim`, ascending or descending; ties keep their order."""
    indices = mx.argsort(-input if descending else input, axis=dim)
    return OpsSortResult(mx.take_along_axis(input, indices, axis=dim), indices.astype(mx.int32))
