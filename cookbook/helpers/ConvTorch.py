class ConvTorch(nn.Module):
    """torch.nn.Conv{1,2,3}d on channels-last input (N, *spatial, C) with what MLX's convolutions lack:
    padding='same' / 'valid', padding_mode 'reflect' / 'replicate' / 'circular', and groups in 3-d. The input is padded
    first (for 'same', an even kernel's odd cell goes after, as torch does), then convolved unpadded.
    Holds weight (O, *K, I / groups) and bias as MLX's convolutions do, so the weights map the same way."""

    # how torch's tensors map onto this layer, for a key resolved at load time (c2m_runtime_weights.py)
    C2M_TORCH_LAYOUT = {"weight": "conv"}

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True, padding_mode="zeros", dims=2):
        super().__init__()
        as_tuple = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v,) * dims
        self._kernel_size = as_tuple(kernel_size)
        self._stride = as_tuple(stride)
        self._dilation = as_tuple(dilation)
        self._groups = groups
        self._padding_mode = padding_mode
        if padding == "same":
            totals = [d * (k - 1) for d, k in zip(self._dilation, self._kernel_size)]
            self._widths = [(t // 2, t - t // 2) for t in totals]
        else:
            self._widths = [(p, p) for p in as_tuple(0 if padding == "valid" else padding)]
        fan_in = in_channels // groups
        for k in self._kernel_size:
            fan_in *= k
        scale = (1.0 / fan_in) ** 0.5
        self.weight = mx.random.uniform(-scale, scale, (out_channels, *self._kernel_size, in_channels // groups))
        if bias:
            self.bias = mx.random.uniform(-scale, scale, (out_channels,))

    def __call__(self, x):
        if self._padding_mode == "circular":
            for axis, (before, after) in enumerate(self._widths, start=1):
                n = x.shape[axis]
                x = mx.take(x, mx.array([i % n for i in range(-before, n + after)]), axis=axis)
        else:
            mode = {"reflect": "reflect", "replicate": "edge"}.get(self._padding_mode, "constant")
            x = mx.pad(x, [(0, 0), *self._widths, (0, 0)], mode=mode)
        if self._groups == 1 or len(self._kernel_size) < 3:
            y = mx.conv_general(x, self.weight, stride=self._stride, kernel_dilation=self._dilation, groups=self._groups)
        else:
            # MLX convolves 3-d input with groups=1 only: one convolution per group, its input channels against its filters
            ins, outs = x.shape[-1] // self._groups, self.weight.shape[0] // self._groups
            y = mx.concatenate(
                [
                    mx.conv_general(x[..., g * ins : (g + 1) * ins], self.weight[g * outs : (g + 1) * outs], stride=self._stride, kernel_dilation=self._dilation)
                    for g in range(self._groups)
                ],
                axis=-1,
            )
        return y + self.bias if "bias" in self else y
