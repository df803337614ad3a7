"""A word-level LSTM language model, after pytorch/examples word_language_model (batch-first)."""
import mlx.core as mx
import mlx.nn as nn
import re


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


def c2m_apply_weight_map(weights, rules):
    """Turn a torch state_dict (a dict of mx.array) into this module's MLX parameters.

    Each rule is (torch pattern(s), mlx pattern(s) or None, op, *args); '*' matches one dotted
    segment, '**' one or more and '#' one segment of digits (a position in a Sequential or
    ModuleList), and their captures fill the MLX key(s) in order. The first rule whose (first) torch
    pattern matches a key handles it; keys no rule matches pass through unchanged (BatchNorm's
    num_batches_tracked, which no MLX layer holds, aside).
    """
    def as_tuple(p):
        return () if p is None else (p,) if isinstance(p, str) else tuple(p)

    def fill(pattern, caps):
        parts = re.split(r"\*\*?|#", pattern)
        return parts[0] + "".join(c + p for c, p in zip(caps, parts[1:]))

    def regex_of(pattern):
        pieces = re.split(r"(\*\*|\*|#)", pattern)
        wildcards = {"**": "(.+)", "*": "([^.]+)", "#": r"(\d+)"}
        return re.compile("^" + "".join(wildcards.get(p) or re.escape(p) for p in pieces) + "$")

    compiled = []
    for torch_keys, mlx_keys, op, *args in rules:
        torch_keys, mlx_keys = as_tuple(torch_keys), as_tuple(mlx_keys)
        regex = regex_of(torch_keys[0])
        compiled.append((regex, torch_keys, mlx_keys, op, args))

    handled, consumed = {}, set()
    for key in weights:
        for rule in compiled:
            m = rule[0].match(key)
            if m:
                handled[key] = (rule, m.groups())
                consumed.update(fill(extra, m.groups()) for extra in rule[1][1:])
                break

    out = {}
    for key, w in weights.items():
        if key in consumed:
            continue  # summed into another key's output
        if key not in handled:
            if not key.endswith("num_batches_tracked"):  # BatchNorm's step counter: no MLX layer holds one
                out[key] = w
            continue
        (_, torch_keys, mlx_keys, op, args), caps = handled[key]
        targets = [fill(p, caps) for p in mlx_keys]
        if op == "drop":
            continue
        if op in ("conv", "conv_transpose") and w.ndim < 3:
            pass  # not a conv weight: a norm at a position that holds a conv in other instances
        elif op == "conv":  # torch (O, I, *K) -> MLX (O, *K, I)
            w = mx.moveaxis(w, 1, -1)
        elif op == "conv_transpose":  # torch (I, O, *K) -> MLX (O, *K, I)
            w = w.transpose(list(range(1, w.ndim)) + [0])
        elif op == "linear_nhwc":  # columns c*S + s -> s*C + c (Linear after a channels-last flatten)
            c = args[0]
            s = args[1] if len(args) > 1 else w.shape[1] // c
            w = w.reshape(w.shape[0], c, s).swapaxes(1, 2).reshape(w.shape[0], c * s)
        elif op == "split":
            for name, part in zip(targets, mx.split(w, len(targets), axis=args[0])):
                out[name] = part
            continue
        elif op == "sum":
            for extra in torch_keys[1:]:
                w = w + weights[fill(extra, caps)]
        elif op != "identity":
            raise ValueError(f"c2m weight map: unknown op {op!r}")
        out[targets[0]] = w
    return out


class LSTMLanguageModel(nn.Module):
    """Container module with an encoder, a recurrent module, and a decoder."""

    def __init__(self, ntoken, ninp, nhid, nlayers=2, dropout=0.5):
        super(LSTMLanguageModel, self).__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = LSTM(ninp, nhid, num_layers=nlayers, dropout=dropout, batch_first=True)
        self.decoder = nn.Linear(nhid, ntoken)

        self.init_weights()

        self.nhid = nhid
        self.nlayers = nlayers

    def init_weights(self):
        initrange = 0.1
        self.encoder.weight = nn.init.uniform(-initrange, initrange)(self.encoder.weight)
        self.decoder.bias = mx.zeros_like(self.decoder.bias)
        self.decoder.weight = nn.init.uniform(-initrange, initrange)(self.decoder.weight)

    def __call__(self, input):
        # input: (batch, seq_len) token ids -> logits (batch, seq_len, ntoken)
        emb = self.drop(self.encoder(input))
        output, _ = self.rnn(emb)
        output = self.drop(output)
        decoded = self.decoder(output)
        return decoded

    def sanitize(self, weights):
        """Convert a torch state_dict (as MLX arrays) to this module's parameters."""
        return c2m_apply_weight_map(weights, C2M_WEIGHT_MAPS["LSTMLanguageModel"])


# c2m: torch state_dict keys and layouts -> MLX parameters (read by `c2m weights --map` and sanitize())
C2M_TOP_LEVEL = "LSTMLanguageModel"
C2M_WEIGHT_MAPS = {
    "LSTMLanguageModel": [
        ("rnn.weight_ih_l*_reverse", "rnn.layers_reverse.*.Wx", "identity"),
        ("rnn.weight_hh_l*_reverse", "rnn.layers_reverse.*.Wh", "identity"),
        (("rnn.bias_ih_l*_reverse", "rnn.bias_hh_l*_reverse"), "rnn.layers_reverse.*.bias", "sum"),
        ("rnn.weight_ih_l*", "rnn.layers.*.Wx", "identity"),
        ("rnn.weight_hh_l*", "rnn.layers.*.Wh", "identity"),
        (("rnn.bias_ih_l*", "rnn.bias_hh_l*"), "rnn.layers.*.bias", "sum"),
    ],
}
