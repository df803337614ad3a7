def ops_chunk(input, chunks, dim=0):
    """torch.chunk: pieces of ceil(n / chunks) elements (the last may be shorter, and there may be fewer
    than `chunks` pieces); mx.split(x, chunks) instead demands equal pieces."""
    n = input.shape[dim]
    size = -(-n // chunks)
    return tuple(mx.split(input, list(range(size, n, size)), axis=dim))
