def einops_pack(tensors, pattern):
    """einops.pack on mx.arrays: the axes the pattern's `*` stands for flattened into one, the tensors concatenated
    along it; returns the packed array and each tensor's shape at the `*`, which einops_unpack takes back."""
    names = pattern.split()
    before, after = names.index("*"), len(names) - names.index("*") - 1
    flat, shapes = [], []
    for t in tensors:
        end = t.ndim - after
        shape = tuple(t.shape[before:end])
        size = 1
        for d in shape:
            size *= d
        shapes.append(shape)
        flat.append(t.reshape(*t.shape[:before], size, *t.shape[end:]))
    return mx.concatenate(flat, axis=before), shapes
