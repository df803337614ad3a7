def einops_rearrange(tensor, pattern, **axes_lengths):
    """einops.rearrange on mx.array (c2m_einops)."""
    return c2m_einops(tensor, pattern, None, axes_lengths)
