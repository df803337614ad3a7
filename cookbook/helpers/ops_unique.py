def ops_unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """torch.unique: the distinct values of the flattened array in ascending order (torch sorts them on every device
    in use, whatever `sorted` says), with each element's index among them and their counts when asked. The result's
    size depends on the data, so it is computed on the host: the array is evaluated here."""
    if dim is not None:
        raise NotImplementedError("c2m: torch.unique(dim=...) is not translated; port it by hand")
    flat = input.reshape(-1).tolist()
    values = list(dict.fromkeys(flat))
    values.sort()
    out = [mx.array(values, dtype=input.dtype)]
    if return_inverse:
        where = {v: i for i, v in enumerate(values)}
        out.append(mx.array([where[v] for v in flat], dtype=mx.int64).reshape(input.shape))
    if return_counts:
        counts = dict.fromkeys(values, 0)
        for v in flat:
            counts[v] += 1
        out.append(mx.array([counts[v] for v in values], dtype=mx.int64))
    return out[0] if len(out) == 1 else tuple(out)
