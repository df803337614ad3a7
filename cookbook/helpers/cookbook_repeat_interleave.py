def cookbook_repeat_interleave(input, repeats, dim=None):
    """torch.repeat_interleave with per-element repeats (a tensor): mx.repeat takes one count only. The
    output length depends on the counts, so they are read on the host (torch synchronises here too)."""
    if dim is None:
        input, dim = input.reshape(-1), 0
    if isinstance(repeats, int):
        return mx.repeat(input, repeats, axis=dim)
    counts = repeats.tolist() if repeats.ndim else [int(repeats.item())] * input.shape[dim]
    index = [i for i, r in enumerate(counts) for _ in range(r)]
    return mx.take(input, mx.array(index, dtype=mx.int32), axis=dim)
