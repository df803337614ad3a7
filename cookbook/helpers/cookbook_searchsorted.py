def cookbook_searchsorted(sorted_sequence, values, right=False, side=None):
    """torch.searchsorted: mx.searchsorted takes a 1-D sorted sequence only; torch also takes one sorted
    row per leading index (NeRF's inverse-CDF sampling). A row's insertion index is the number of its
    elements below each value (<= for right=True), counted in one vectorised comparison."""
    right = right or side == "right"
    if sorted_sequence.ndim == 1:
        return mx.searchsorted(sorted_sequence, values, side="right" if right else "left").astype(mx.int32)
    rows = mx.expand_dims(sorted_sequence, -2)
    probe = mx.expand_dims(values, -1)
    below = rows <= probe if right else rows < probe
    return below.astype(mx.int32).sum(axis=-1)
