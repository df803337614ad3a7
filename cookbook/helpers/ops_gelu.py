def ops_gelu(input, approximate="none"):
    """torch F.gelu: exact (erf) by default; approximate='tanh' is MLX's nn.gelu_approx (the same tanh formula)."""
    return nn.gelu_approx(input) if approximate == "tanh" else nn.gelu(input)
