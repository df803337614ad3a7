def ops_argsort(input, dim=-1, descending=False, stable=False):
    """torch.argsort: int32 indices that sort `input` along `dim`, ascending or descending."""
    return mx.argsort(-input if descending else input, axis=dim).astype(mx.int32)
