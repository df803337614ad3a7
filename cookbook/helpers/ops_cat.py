def ops_cat(tensors, axis=0):
    """torch.cat, which skips 1-D empty tensors beside the others (a legacy rule code relies on: transformers'
    DynamicCache starts its keys as `torch.tensor([])` and concatenates each step's onto them)."""
    kept = [t for t in tensors if not (t.ndim == 1 and t.size == 0)]
    return mx.concatenate(kept if kept else list(tensors), axis=axis)
