class GRUCell(nn.Module):
    """torch.nn.GRUCell: one step, returns h. Parameters keep torch's names and gate order (r, z, n)."""

    def __init__(self, input_size, hidden_size, bias=True):
        super().__init__()
        self.hidden_size = hidden_size
        scale = 1 / math.sqrt(hidden_size)
        self.weight_ih = mx.random.uniform(-scale, scale, (3 * hidden_size, input_size))
        self.weight_hh = mx.random.uniform(-scale, scale, (3 * hidden_size, hidden_size))
        if bias:
            self.bias_ih = mx.random.uniform(-scale, scale, (3 * hidden_size,))
            self.bias_hh = mx.random.uniform(-scale, scale, (3 * hidden_size,))

    def __call__(self, input, hx=None):
        H = self.hidden_size
        if hx is None:
            hx = mx.zeros((*input.shape[:-1], H), dtype=input.dtype)
        xs = input @ self.weight_ih.T
        hs = hx @ self.weight_hh.T
        if "bias_ih" in self:
            xs = xs + self.bias_ih
            hs = hs + self.bias_hh
        rz = mx.sigmoid(xs[..., : 2 * H] + hs[..., : 2 * H])
        r, z = rz[..., :H], rz[..., H:]
        n = mx.tanh(xs[..., 2 * H :] + r * hs[..., 2 * H :])
        return (1 - z) * n + z * hx
