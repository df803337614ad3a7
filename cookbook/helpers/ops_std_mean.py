def ops_std_mean(input, dim=None, unbiased=True, keepdim=False, correction=None):
    """torch.std_mean: (std, mean) over `dim`; the std is unbiased unless unbiased=False or a
    `correction` is given (MLX's ddof defaults to 0)."""
    if isinstance(dim, bool):  # the legacy overload std_mean(input, unbiased)
        dim, unbiased = None, dim
    ddof = int(unbiased) if correction is None else correction
    return mx.std(input, axis=dim, keepdims=keepdim, ddof=ddof), mx.mean(input, axis=dim, keepdims=keepdim)
