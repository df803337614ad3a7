class LSTM(nn.Module):
    """torch.nn.LSTM: stacked, optionally bidirectional, built on nn.LSTM.

    nn.LSTM uses torch's gate order (i, f, g, o) and one bias per gate, so torch's
    weight_ih_l{k} -> layers.{k}.Wx, weight_hh_l{k} -> layers.{k}.Wh and
    bias_ih_l{k} + bias_hh_l{k} -> layers.{k}.bias (reverse direction: layers_reverse).
    Returns (output, (h_n, c_n)) shaped like torch's.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0, bidirectional=False, proj_size=0):
        super().__init__()
        if proj_size:
            raise ValueError("LSTM: proj_size is not supported")
        dirs = 2 if bidirectional else 1
        sizes = [input_size] + [hidden_size * dirs] * (num_layers - 1)
        self.layers = [nn.LSTM(n, hidden_size, bias=bias) for n in sizes]
        self.layers_reverse = [nn.LSTM(n, hidden_size, bias=bias) for n in sizes] if bidirectional else []
        self.batch_first = batch_first
        self.dropout = nn.Dropout(dropout)  # between stacked layers, as in torch

    def __call__(self, x, hx=None):
        unbatched = x.ndim == 2
        if unbatched:
            x = x[None]
            hx = None if hx is None else (hx[0][:, None], hx[1][:, None])
        elif not self.batch_first:
            x = x.swapaxes(0, 1)
        # x is (N, L, D) from here on
        h_n, c_n = [], []
        for k, forward in enumerate(self.layers):
            outputs = []
            for d, layer in enumerate((forward, self.layers_reverse[k]) if self.layers_reverse else (forward,)):
                i = k * (2 if self.layers_reverse else 1) + d
                h0, c0 = (None, None) if hx is None else (hx[0][i], hx[1][i])
                hidden, cell = layer(x if d == 0 else x[:, ::-1], h0, c0)
                h_n.append(hidden[:, -1])
                c_n.append(cell[:, -1])
                outputs.append(hidden if d == 0 else hidden[:, ::-1])
            x = outputs[0] if len(outputs) == 1 else mx.concatenate(outputs, axis=-1)
            if k + 1 < len(self.layers):
                x = self.dropout(x)
        h_n, c_n = mx.stack(h_n), mx.stack(c_n)
        if unbatched:
            return x[0], (h_n[:, 0], c_n[:, 0])
        return (x if self.batch_first else x.swapaxes(0, 1)), (h_n, c_n)
