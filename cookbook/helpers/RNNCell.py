class RNNCell(nn.Module):
    """torch.nn.RNNCell (tanh or relu): one step, returns h. Parameters keep torch's names."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh"):
        super().__init__()
        self.activation = {"tanh": mx.tanh, "relu": nn.relu}[nonlinearity]
        scale = 1 / math.sqrt(hidden_size)
        self.weight_ih = mx.random.uniform(-scale, scale, (hidden_size, input_size))
        self.weight_hh = mx.random.uniform(-scale, scale, (hidden_size, hidden_size))
        if bias:
            self.bias_ih = mx.random.uniform(-scale, scale, (hidden_size,))
            self.bias_hh = mx.random.uniform(-scale, scale, (hidden_size,))

    def __call__(self, input, hx=None):
        h = input @ self.weight_ih.T
        if "bias_ih" in self:
            h = h + (self.bias_ih + self.bias_hh)
        if hx is not None:
            h = mx.addmm(h, hx, self.weight_hh.T)
        return self.activation(h)
