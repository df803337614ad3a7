def ops_var_mean(input, dim=None, unbiased=True, keepdim=False, correction=None):
    """torch.var_mean: (var, mean) over `dim`; the variance is unbiased unless unbiased=False or a
    `correction` is given (MLX's ddof defaults to 0)."""
    if isinstance(dim, bool):  # the legacy overload var_mean(input, unbiased)
        dim, unbiased = None, dim
    ddof = int(unbiased) if correction is None else correction
    return mx.var(input, axis=dim, keepdims=keepdim, ddof=ddof), mx.mean(input, axis=dim, keepdims=keepdim)
