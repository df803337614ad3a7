def cookbook_bincount(input, weights=None, minlength=0):
    """torch.bincount: counts (or summed weights) per non-negative integer value, length
    max(minlength, max(input) + 1). The length depends on the data, so it is read on the host (torch
    synchronises here too); the counting itself is one scatter-add."""
    n = max(int(minlength), int(input.max().item()) + 1 if input.size else 0)
    values = mx.ones(input.shape, dtype=mx.int32) if weights is None else weights
    return mx.zeros((n,), dtype=values.dtype).at[input].add(values)
