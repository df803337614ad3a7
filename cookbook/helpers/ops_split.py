def ops_split(tensor, split_size_or_sections, dim=0):
    """torch.split: pieces of `split_size_or_sections` elements (the last may be shorter), or a list of
    piece sizes; mx.split takes cut indices instead."""
    n = tensor.shape[dim]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        sizes = [size] * (n // size) + ([n % size] if n % size else [])
    else:
        sizes = list(split_size_or_sections)
    cuts, total = [], 0
    for s in sizes[:-1]:
        total += s
        cuts.append(total)
    return tuple(mx.split(tensor, cuts, axis=dim))
