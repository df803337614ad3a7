def ops_cdist(x1, x2, p=2.0):
    """torch.cdist: p-norm distances between the rows of x1 (…, P, M) and x2 (…, R, M) → (…, P, R),
    from the differences (not the |a|² + |b|² - 2ab expansion, which loses precision)."""
    diff = mx.abs(mx.expand_dims(x1, -2) - mx.expand_dims(x2, -3))
    if p == 2 or p == 2.0:
        return mx.sqrt(mx.sum(diff * diff, axis=-1))
    if p == 1:
        return mx.sum(diff, axis=-1)
    if p == float("inf"):
        return mx.max(diff, axis=-1)
    if p == 0:
        return mx.sum(diff != 0, axis=-1).astype(x1.dtype)
    return mx.power(mx.sum(mx.power(diff, p), axis=-1), 1.0 / p)
