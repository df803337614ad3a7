def ops_histc(input, bins=100, min=0, max=0):
    """torch.histc: counts in `bins` equal-width bins over [min, max] (the data's range when min == max, widened
    by 1 each side when that is one value); values outside are not counted, `max` falls in the last bin; the
    counts have the input's dtype. The bin is floor((x - min) * bins / (max - min)), torch's arithmetic."""
    x = input.reshape(-1)
    lo, hi = float(min), float(max)
    if lo == hi and x.size:
        lo, hi = mx.min(x).item(), mx.max(x).item()
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    xf = x.astype(mx.float32)
    inside = (xf >= lo) & (xf <= hi)
    index = mx.clip(mx.floor((xf - lo) * bins / (hi - lo)).astype(mx.int32), 0, bins - 1)
    return mx.zeros((bins,), dtype=input.dtype).at[index].add(inside.astype(input.dtype))
