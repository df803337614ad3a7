class GRU(nn.Module):
    """torch.nn.GRU: stacked, optionally bidirectional. Returns (output, h_n) shaped like torch's.

    Parameters keep torch's names (weight_ih_l0, bias_hh_l1_reverse, ...), so a state_dict loads
    as it is. nn.GRU is not used: it adds b_hr and b_hz to the input projection, so torch's two
    biases would have to be split and partly summed.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0, bidirectional=False):
        super().__init__()
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
                shapes = {"weight_ih": (3 * hidden_size, n_in), "weight_hh": (3 * hidden_size, hidden_size)}
                if bias:
                    shapes.update(bias_ih=(3 * hidden_size,), bias_hh=(3 * hidden_size,))
                for name, shape in shapes.items():
                    setattr(self, f"{name}_l{k}{d}", mx.random.uniform(-scale, scale, shape))

    def _run(self, x, h, suffix):
        # x: (N, L, D); h: (N, H) or None (zeros)
        H = self.hidden_size
        w_hh = self["weight_hh" + suffix].T
        b_hh = self["bias_hh" + suffix] if self.bias else None
        # one matmul for every time step's input projection
        xs = x @ self["weight_ih" + suffix].T
        if self.bias:
            xs = xs + self["bias_ih" + suffix]
        if h is None:
            h = mx.zeros((x.shape[0], H), dtype=xs.dtype)
        outputs = []
        for t in range(x.shape[1]):
            hs = h @ w_hh if b_hh is None else mx.addmm(b_hh, h, w_hh)
            rz = mx.sigmoid(xs[:, t, : 2 * H] + hs[:, : 2 * H])
            r, z = rz[:, :H], rz[:, H:]
            n = mx.tanh(xs[:, t, 2 * H :] + r * hs[:, 2 * H :])
            h = (1 - z) * n + z * h
            outputs.append(h)
        return mx.stack(outputs, axis=1)

    def __call__(self, x, hx=None):
        unbatched = x.ndim == 2
        if unbatched:
            x = x[None]
            hx = None if hx is None else hx[:, None]
        elif not self.batch_first:
            x = x.swapaxes(0, 1)
        # x is (N, L, D) from here on
        h_n = []
        for k in range(self.num_layers):
            outputs = []
            for d, suffix in enumerate(self._directions):
                h0 = None if hx is None else hx[k * len(self._directions) + d]
                if d == 0:
                    out = self._run(x, h0, f"_l{k}")
                else:  # the reverse direction reads the sequence backwards
                    out = self._run(x[:, ::-1], h0, f"_l{k}{suffix}")[:, ::-1]
                h_n.append(out[:, -1] if d == 0 else out[:, 0])
                outputs.append(out)
            x = outputs[0] if len(outputs) == 1 else mx.concatenate(outputs, axis=-1)
            if k + 1 < self.num_layers:
                x = self.dropout(x)
        h_n = mx.stack(h_n)
        if unbatched:
            return x[0], h_n[:, 0]
        return (x if self.batch_first else x.swapaxes(0, 1)), h_n
