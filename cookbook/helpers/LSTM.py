class LSTM(nn.Module):
    """torch.nn.LSTM: stacked, optionally bidirectional. Returns (output, (h_n, c_n)) shaped like torch's.

    Parameters keep torch's names (weight_ih_l0, bias_hh_l1_reverse, ...) and gate order (i, f, g, o),
    so a state_dict loads as it is and the trainable parameters are torch's: both biases are kept and
    summed where they are used (nn.LSTM holds one).
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0, bidirectional=False, proj_size=0):
        super().__init__()
        if proj_size:
            raise ValueError("LSTM: proj_size is not supported")
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.batch_first = batch_first
        self.bias = bias
        self._directions = ("", "_reverse") if bidirectional else ("",)
        self.dropout = nn.Dropout(dropout)  # between stacked layers, as in torch
        scale = 1 / math.sqrt(hidden_size)
        for k in range(num_layers):
            n_in = input_size if k == 0 else hidden_size * len(self._directions)
            for d in self._directions:
                shapes = {"weight_ih": (4 * hidden_size, n_in), "weight_hh": (4 * hidden_size, hidden_size)}
                if bias:
                    shapes.update(bias_ih=(4 * hidden_size,), bias_hh=(4 * hidden_size,))
                for name, shape in shapes.items():
                    setattr(self, f"{name}_l{k}{d}", mx.random.uniform(-scale, scale, shape))

    def _run(self, x, h, c, suffix):
        # x: (N, L, D); h, c: (N, H) or None (zeros)
        H = self.hidden_size
        w_hh = self["weight_hh" + suffix].T
        # one matmul for every time step's input projection, both biases folded in
        xs = x @ self["weight_ih" + suffix].T
        if self.bias:
            xs = xs + (self["bias_ih" + suffix] + self["bias_hh" + suffix])
        if h is None:
            h = mx.zeros((x.shape[0], H), dtype=xs.dtype)
        if c is None:
            c = mx.zeros((x.shape[0], H), dtype=xs.dtype)
        hs, cs = [], []
        for t in range(x.shape[1]):
            gates = xs[:, t] + h @ w_hh
            i, f, g, o = mx.split(gates, 4, axis=-1)
            c = mx.sigmoid(f) * c + mx.sigmoid(i) * mx.tanh(g)
            h = mx.sigmoid(o) * mx.tanh(c)
            hs.append(h)
            cs.append(c)
        return mx.stack(hs, axis=1), h, c

    def __call__(self, x, hx=None):
        unbatched = x.ndim == 2
        if unbatched:
            x = x[None]
            hx = None if hx is None else (hx[0][:, None], hx[1][:, None])
        elif not self.batch_first:
            x = x.swapaxes(0, 1)
        # x is (N, L, D) from here on
        h_n, c_n = [], []
        for k in range(self.num_layers):
            outputs = []
            for d, suffix in enumerate(self._directions):
                i = k * len(self._directions) + d
                h0, c0 = (None, None) if hx is None else (hx[0][i], hx[1][i])
                if d == 0:
                    out, h, c = self._run(x, h0, c0, f"_l{k}")
                else:  # the reverse direction reads the sequence backwards
                    out, h, c = self._run(x[:, ::-1], h0, c0, f"_l{k}{suffix}")
                    out = out[:, ::-1]
                h_n.append(h)
                c_n.append(c)
                outputs.append(out)
            x = outputs[0] if len(outputs) == 1 else mx.concatenate(outputs, axis=-1)
            if k + 1 < self.num_layers:
                x = self.dropout(x)
        h_n, c_n = mx.stack(h_n), mx.stack(c_n)
        if unbatched:
            return x[0], (h_n[:, 0], c_n[:, 0])
        return (x if self.batch_first else x.swapaxes(0, 1)), (h_n, c_n)
