def ops_one_hot(tensor, num_classes=-1):
    """torch F.one_hot: int32 (torch: int64) one-hot vectors on a new last axis; num_classes=-1 means
    max + 1 (a host read)."""
    if num_classes < 0:
        num_classes = int(mx.max(tensor).item()) + 1
    return (mx.expand_dims(tensor, -1) == mx.arange(num_classes)).astype(mx.int32)
