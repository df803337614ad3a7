def ops_ntuple(x, n):
    """torch.nn.modules.utils._single/_pair/_triple/_quadruple: an iterable as a tuple of its items, anything else
    repeated n times."""
    if isinstance(x, __import__("collections.abc").abc.Iterable):
        return tuple(x)
    return (x,) * n
