def einops_repeat(tensor, pattern, **axes_lengths):
    """einops.repeat on mx.array: the output's new axes broadcast (c2m_einops)."""
    return c2m_einops(tensor, pattern, None, axes_lengths)
