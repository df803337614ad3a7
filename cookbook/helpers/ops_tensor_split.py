def ops_tensor_split(input, indices_or_sections=None, dim=0, indices=None, sections=None):
    """torch.tensor_split: `sections` pieces (the first n % sections of them one longer), or the pieces between cut
    `indices` (mx.split's own form); torch also takes either by keyword."""
    spec = indices if indices is not None else sections if sections is not None else indices_or_sections
    if isinstance(spec, int):
        size, longer = divmod(input.shape[dim], spec)
        cuts, total = [], 0
        for i in range(spec - 1):
            total += size + (1 if i < longer else 0)
            cuts.append(total)
    else:
        cuts = list(spec)
    return tuple(mx.split(input, cuts, axis=dim))
