def ops_linear(input, weight, bias=None):
    """torch F.linear: x @ Wᵀ (+ b). The bias may be None at run time (timm's Linear subclass and CSATv2's DCT layer pass
    `self.bias`, None where the layer holds none)."""
    out = mx.matmul(input, weight.T)
    return out if bias is None else out + bias
