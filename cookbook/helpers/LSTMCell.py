class LSTMCell(nn.Module):
    """torch.nn.LSTMCell: one step, returns (h, c). Parameters keep torch's names and gate order (i, f, g, o)."""

    def __init__(self, input_size, hidden_size, bias=True):
        super().__init__()
        self.hidden_size = hidden_size
        scale = 1 / math.sqrt(hidden_size)
        self.weight_ih = mx.random.uniform(-scale, scale, (4 * hidden_size, input_size))
        self.weight_hh = mx.random.uniform(-scale, scale, (4 * hidden_size, hidden_size))
        if bias:
            self.bias_ih = mx.random.uniform(-scale, scale, (4 * hidden_size,))
            self.bias_hh = mx.random.uniform(-scale, scale, (4 * hidden_size,))

    def __call__(self, input, hx=None):
        gates = input @ self.weight_ih.T
        if "bias_ih" in self:
            gates = gates + (self.bias_ih + self.bias_hh)
        if hx is not None:
            gates = mx.addmm(gates, hx[0], self.weight_hh.T)
        i, f, g, o = mx.split(gates, 4, axis=-1)
        c = mx.sigmoid(i) * mx.tanh(g)
        if hx is not None:
            c = c + mx.sigmoid(f) * hx[1]
        return mx.sigmoid(o) * mx.tanh(c), c
