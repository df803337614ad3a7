class ConvTransposeConvMapped(nn.Module):
    """torch.nn.ConvTranspose{1,2,3}d at an attribute that may hold a Conv instead (chosen at construction): the
    weight map converts torch's key there as a conv's weight, (O, I, *K) -> (O, *K, I), which for a ConvTranspose's
    (I, O, *K) gives (I, *K, O). This layer holds its weight so and swaps it to MLX's (O, *K, I) when called."""

    # how torch's tensors map onto this layer, for a key resolved at load time (c2m_runtime_weights.py)
    C2M_TORCH_LAYOUT = {"weight": "conv"}

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, dilation=1, bias=True, dims=2):
        super().__init__()
        inner = getattr(nn, f"ConvTranspose{dims}d")(
            in_channels, out_channels, kernel_size, stride=stride, padding=padding, output_padding=output_padding, dilation=dilation, bias=bias
        )
        self._conv = getattr(mx, f"conv_transpose{dims}d")
        self._args = (inner.stride, inner.padding, inner.dilation, inner.output_padding)
        self.weight = mx.swapaxes(inner.weight, 0, -1)
        if bias:
            self.bias = inner.bias

    def __call__(self, x):
        y = self._conv(x, mx.swapaxes(self.weight, 0, -1), *self._args)
        return y + self.bias if "bias" in self else y
