def ops_pad(input, pad, mode="constant", value=None):
    """torch F.pad: `pad` lists (before, after) pairs from the LAST axis backwards; negative amounts crop.
    Modes: constant, reflect, replicate (MLX 'edge'), circular."""
    n = len(pad) // 2
    pairs = [(pad[2 * i], pad[2 * i + 1]) for i in reversed(range(n))]
    lead = input.ndim - n
    crop = (slice(None),) * lead + tuple(slice(max(-lo, 0), input.shape[lead + k] - max(-hi, 0)) for k, (lo, hi) in enumerate(pairs))
    x = input[crop]
    widths = [(0, 0)] * lead + [(max(lo, 0), max(hi, 0)) for lo, hi in pairs]
    if mode == "constant":
        return mx.pad(x, widths, constant_values=0 if value is None else value)
    if mode in ("reflect", "replicate"):
        return mx.pad(x, widths, mode="reflect" if mode == "reflect" else "edge")
    if mode == "circular":
        for axis in range(lead, x.ndim):
            lo, hi = widths[axis]
            size = x.shape[axis]
            parts = [mx.take(x, mx.arange(size - lo, size), axis=axis), x, mx.take(x, mx.arange(0, hi), axis=axis)]
            x = mx.concatenate(parts, axis=axis)
        return x
    raise ValueError(f"pad: mode {mode!r} has no MLX translation")
