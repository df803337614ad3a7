def ops_cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """torch F.cosine_similarity: sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps)) along `dim`."""
    n1 = mx.maximum(mx.sqrt(mx.sum(x1 * x1, axis=dim)), eps)
    n2 = mx.maximum(mx.sqrt(mx.sum(x2 * x2, axis=dim)), eps)
    return mx.sum(x1 * x2, axis=dim) / (n1 * n2)
