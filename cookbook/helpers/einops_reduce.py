def einops_reduce(tensor, pattern, reduction, **axes_lengths):
    """einops.reduce on mx.array: the axes the output lacks reduced by 'mean', 'sum', 'max', 'min' or 'prod' (c2m_einops)."""
    return c2m_einops(tensor, pattern, reduction, axes_lengths)
