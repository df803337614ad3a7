def c2m_unbatched(layer, x, *args, **kwargs):
    """A channels-last MLX layer called on an unbatched tensor in torch's layout (C, *spatial), as torch's padding
    layers take one (RWKV's `nn.ZeroPad2d((0, 0, 1, -1))` on (B, T, C) pads T as a spatial axis): a batch axis
    added and torch's channel axis moved last for the layer, then both undone."""
    mx = __import__("mlx.core").core  # the file may not import MLX itself
    return mx.moveaxis(layer(mx.moveaxis(x[None], 1, -1), *args, **kwargs), -1, 1)[0]
