def ops_std(input, dim=None, unbiased=True, keepdim=False, correction=None):
    """torch.std: unbiased (ddof=1) unless unbiased=False or a `correction` is given; MLX defaults to ddof=0."""
    if isinstance(dim, bool):  # the legacy overload std(input, unbiased)
        dim, unbiased = None, dim
    ddof = int(unbiased) if correction is None else correction
    return mx.std(input, axis=dim, keepdims=keepdim, ddof=ddof)
