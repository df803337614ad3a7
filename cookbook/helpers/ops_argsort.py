def ops_argsort(input, dim=-1, descending=False, stable=False):
    """torch.argsort: int32 indices that sort `input` along `dim`; ties keep their order; NaN counts as
    the largest value, as in torch."""
    key = input.astype(mx.int32) if input.dtype == mx.bool_ else input
    if descending:
        key = -key
        if mx.issubdtype(key.dtype, mx.floating):
            key = mx.where(mx.isnan(key), -mx.inf, key)
    return mx.argsort(key, axis=dim).astype(mx.int32)
