def ops_prelu(input, weight):
    """torch F.prelu: max(0, x) + weight * min(0, x), with one weight per channel on axis 1 (torch's
    order) or a single shared weight."""
    if weight.size > 1 and input.ndim > 1:
        weight = weight.reshape((1, -1) + (1,) * (input.ndim - 2))
    return mx.maximum(input, 0) + weight * mx.minimum(input, 0)
