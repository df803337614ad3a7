def c2m_torch_init(name):
    """torch.nn.init.<name> as a value (`TORCH_INIT_FUNCTIONS = {"normal_": torch.nn.init.normal_, ...}`): a function
    with torch's signature that fills the MLX array in place (`tensor[...] = values`, which every reference to the
    array sees, as torch's in-place initialisers do) and returns it. `generator` is not honoured: MLX draws from its
    global key. A weight of rank > 2 is read in MLX's layout, (out, *kernel, in), which is the port's for its conv
    layers (fans, dirac_'s centre); a 2-D weight is (out, in) in both."""
    mx = __import__("mlx.core").core  # helpers import nothing at the top (they are pasted into the output)
    math = __import__("math")

    def fill(tensor, values):
        tensor[...] = mx.array(values, dtype=tensor.dtype) if not isinstance(values, mx.array) else values.astype(tensor.dtype)
        return tensor

    def fans(tensor):
        if tensor.ndim < 2:
            raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
        receptive = math.prod(tensor.shape[1:-1])
        return tensor.shape[-1] * receptive, tensor.shape[0] * receptive

    def gain_of(nonlinearity, a):
        if nonlinearity in ("linear", "conv1d", "conv2d", "conv3d", "sigmoid", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"):
            return 1.0
        if nonlinearity == "tanh":
            return 5.0 / 3
        if nonlinearity == "relu":
            return math.sqrt(2.0)
        if nonlinearity == "selu":
            return 3.0 / 4
        if nonlinearity == "leaky_relu":
            return math.sqrt(2.0 / (1 + (0.01 if a is None else a) ** 2))
        raise ValueError(f"Unsupported nonlinearity {nonlinearity}")

    def uniform_(tensor, a=0.0, b=1.0, generator=None):
        return fill(tensor, mx.random.uniform(a, b, tensor.shape))

    def normal_(tensor, mean=0.0, std=1.0, generator=None):
        return fill(tensor, mean + std * mx.random.normal(tensor.shape))

    def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
        return fill(tensor, mean + std * mx.random.truncated_normal((a - mean) / std, (b - mean) / std, tensor.shape))

    def constant_(tensor, val):
        return fill(tensor, mx.full(tensor.shape, val))

    def ones_(tensor):
        return constant_(tensor, 1.0)

    def zeros_(tensor):
        return constant_(tensor, 0.0)

    def eye_(tensor):
        if tensor.ndim != 2:
            raise ValueError("Only tensors with 2 dimensions are supported")
        return fill(tensor, mx.eye(tensor.shape[0], tensor.shape[1]))

    def xavier_uniform_(tensor, gain=1.0, generator=None):
        fan_in, fan_out = fans(tensor)
        bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
        return uniform_(tensor, -bound, bound)

    def xavier_normal_(tensor, gain=1.0, generator=None):
        fan_in, fan_out = fans(tensor)
        return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))

    def kaiming_std(tensor, a, mode, nonlinearity):
        fan_in, fan_out = fans(tensor)
        return gain_of(nonlinearity, a) / math.sqrt(fan_in if mode == "fan_in" else fan_out)

    def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
        bound = math.sqrt(3.0) * kaiming_std(tensor, a, mode, nonlinearity)
        return uniform_(tensor, -bound, bound)

    def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
        return normal_(tensor, 0.0, kaiming_std(tensor, a, mode, nonlinearity))

    def orthogonal_(tensor, gain=1.0, generator=None):
        if tensor.ndim < 2:
            raise ValueError("Only tensors with 2 or more dimensions are supported")
        rows = tensor.shape[0]
        cols = tensor.size // rows
        flat = mx.random.normal((rows, cols))
        if rows < cols:
            flat = flat.T
        q, r = mx.linalg.qr(flat, stream=mx.cpu)
        q = q * mx.sign(mx.diag(r))
        if rows < cols:
            q = q.T
        return fill(tensor, gain * q.reshape(tensor.shape))

    def sparse_(tensor, sparsity, std=0.01, generator=None):
        if tensor.ndim != 2:
            raise ValueError("Only tensors with 2 dimensions are supported")
        rows, cols = tensor.shape
        values = std * mx.random.normal((rows, cols))
        zeros = math.ceil(sparsity * rows)
        for col in range(cols):
            values[mx.random.permutation(rows)[:zeros], col] = 0.0
        return fill(tensor, values)

    def dirac_(tensor, groups=1):
        if tensor.ndim not in (3, 4, 5):
            raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
        out_per_group = tensor.shape[0] // groups
        values = mx.zeros(tensor.shape)
        centre = tuple(k // 2 for k in tensor.shape[1:-1])
        for g in range(groups):
            for d in range(min(out_per_group, tensor.shape[-1])):
                values[(g * out_per_group + d, *centre, d)] = 1.0
        return fill(tensor, values)

    functions = {
        "uniform_": uniform_,
        "normal_": normal_,
        "trunc_normal_": trunc_normal_,
        "constant_": constant_,
        "ones_": ones_,
        "zeros_": zeros_,
        "eye_": eye_,
        "xavier_uniform_": xavier_uniform_,
        "xavier_normal_": xavier_normal_,
        "kaiming_uniform_": kaiming_uniform_,
        "kaiming_normal_": kaiming_normal_,
        "orthogonal_": orthogonal_,
        "sparse_": sparse_,
        "dirac_": dirac_,
    }
    return functions[name]
