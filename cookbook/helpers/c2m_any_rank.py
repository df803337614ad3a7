def c2m_any_rank(layer, x, *args, **kwargs):
    """A channels-last MLX layer of several ranks (GroupNorm, PReLU, Upsample) called on a tensor in torch's layout
    whose rank c2m could not tell (passes/any-rank-layers.ts): torch's channel axis moved last for the layer, and
    back, at whatever rank x has."""
    mx = __import__("mlx.core").core  # the file may not import MLX itself
    return mx.moveaxis(layer(mx.moveaxis(x, 1, -1), *args, **kwargs), -1, 1)
