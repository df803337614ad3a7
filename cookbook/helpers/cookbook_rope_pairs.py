def cookbook_rope_pairs(x, cos, sin):
    """Rotary embedding on consecutive pairs (x[..., 2i], x[..., 2i+1]), what torch computes as
    view_as_real(view_as_complex(x.reshape(..., -1, 2)) * polar(1, angle)), in real arithmetic."""
    pairs = x.astype(mx.float32).reshape(*x.shape[:-1], -1, 2)
    a, b = pairs[..., 0], pairs[..., 1]
    out = mx.stack([a * cos - b * sin, a * sin + b * cos], axis=-1)
    return out.reshape(x.shape).astype(x.dtype)
