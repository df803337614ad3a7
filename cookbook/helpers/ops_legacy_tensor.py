def ops_legacy_tensor(*args, dtype=None):
    """torch's legacy constructors (torch.Tensor, torch.FloatTensor, torch.LongTensor): given sizes (ints, or one
    torch.Size), a tensor of that shape (torch leaves it uninitialised: zeros here); given data (a list, a tuple of
    numbers, an array), that data. torch.Tensor() with nothing is an empty 1-D tensor."""
    dtype = dtype or mx.float32
    if len(args) == 1 and not isinstance(args[0], int) and not (isinstance(args[0], (tuple, list)) and type(args[0]).__name__ == "Size"):
        return mx.array(args[0], dtype=dtype)
    return mx.zeros(args if args else (0,), dtype=dtype)
