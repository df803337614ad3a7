def einops_unpack(tensor, packed_shapes, pattern):
    """einops.unpack on an mx.array: the inverse of einops_pack, the `*` axis cut into one piece per shape and each
    piece given that shape there."""
    at = pattern.split().index("*")
    out, start = [], 0
    for shape in packed_shapes:
        size = 1
        for d in shape:
            size *= d
        piece = tensor[(slice(None),) * at + (slice(start, start + size),)]
        out.append(piece.reshape(*tensor.shape[:at], *shape, *tensor.shape[at + 1 :]))
        start += size
    return out
