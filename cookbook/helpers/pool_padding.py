def pool_padding(shape, kernel_size, stride, padding, ceil_mode):
    """torch's pooling padding along each spatial axis of a channels-last shape (N, *spatial, C), as
    (before, after) pairs: `padding` on both sides, and with ceil_mode the cells a last, partial window
    reaches past the end (torch keeps that window only when it starts inside the input or its left padding)."""
    widths = []
    for n, k, s, p in zip(shape[1:-1], kernel_size, stride, padding):
        span = n + 2 * p - k
        out = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (out - 1) * s >= n + p:
            out -= 1
        widths.append((p, p + max(0, (out - 1) * s + k - (n + 2 * p))))
    return widths
