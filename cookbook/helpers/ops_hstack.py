def ops_hstack(tensors):
    """torch.hstack: concatenate along axis 1, or axis 0 when the tensors are 1-d."""
    tensors = [mx.atleast_1d(t) for t in tensors]
    return mx.concatenate(tensors, axis=0 if tensors[0].ndim == 1 else 1)
