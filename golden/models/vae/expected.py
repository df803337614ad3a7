"""A convolutional variational autoencoder for 28x28 images."""
import mlx.core as mx
import mlx.nn as nn
import re


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


class VAE(nn.Module):
    def __init__(self, in_channels=1, latent_dim=16):
        super(VAE, self).__init__()
        self.latent_dim = latent_dim

        # Encoder: 28x28 -> 14x14 -> 7x7
        self.encoder = nn.Sequential(
            nn.Conv2d(in_channels, 32, kernel_size=4, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(32, 64, kernel_size=4, stride=2, padding=1),
            nn.ReLU(),
        )
        self.fc_mu = nn.Linear(64 * 7 * 7, latent_dim)
        self.fc_logvar = nn.Linear(64 * 7 * 7, latent_dim)

        # Decoder: 7x7 -> 14x14 -> 28x28
        self.decoder_input = nn.Linear(latent_dim, 64 * 7 * 7)
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(64, 32, kernel_size=4, stride=2, padding=1),
            nn.ReLU(),
            nn.ConvTranspose2d(32, in_channels, kernel_size=4, stride=2, padding=1),
            nn.Sigmoid(),
        )

    def encode(self, x):
        """Returns the mean and log-variance of q(z|x)."""
        x = x.transpose(0, 2, 3, 1)
        h = self.encoder(x)
        h = mx.flatten(h, start_axis=1)
        mu = self.fc_mu(h)
        logvar = self.fc_logvar(h)
        return mu, logvar

    def reparameterize(self, mu, logvar):
        """Samples z ~ N(mu, sigma^2) with the reparameterization trick."""
        std = mx.exp(0.5 * logvar)
        eps = mx.random.normal(std.shape, dtype=std.dtype)
        return mu + eps * std

    def decode(self, z):
        h = self.decoder_input(z)
        h = h.reshape(-1, 64, 7, 7)
        h = h.transpose(0, 2, 3, 1)
        return self.decoder(h).transpose(0, 3, 1, 2)

    def __call__(self, x):
        mu, logvar = self.encode(x)
        if self.training:
            z = self.reparameterize(mu, logvar)
        else:
            # deterministic at evaluation time: decode the mean
            z = mu
        return self.decode(z), mu, logvar

    def sanitize(self, weights):
        """Convert a torch state_dict (as MLX arrays) to this module's parameters."""
        return c2m_apply_weight_map(weights, C2M_WEIGHT_MAPS["VAE"])


# c2m: torch state_dict keys and layouts -> MLX parameters (read by `c2m weights --map` and sanitize())
C2M_TOP_LEVEL = "VAE"
C2M_WEIGHT_MAPS = {
    "VAE": [
        ("**.num_batches_tracked", None, "drop"),
        ("encoder.0.weight", "encoder.layers.0.weight", "conv"),
        ("encoder.2.weight", "encoder.layers.2.weight", "conv"),
        ("fc_mu.weight", "fc_mu.weight", "linear_nhwc", 64),
        ("fc_logvar.weight", "fc_logvar.weight", "linear_nhwc", 64),
        ("decoder.0.weight", "decoder.layers.0.weight", "conv_transpose"),
        ("decoder.2.weight", "decoder.layers.2.weight", "conv_transpose"),
        ("encoder.0.**", "encoder.layers.0.**", "identity"),
        ("encoder.1.**", "encoder.layers.1.**", "identity"),
        ("encoder.2.**", "encoder.layers.2.**", "identity"),
        ("encoder.3.**", "encoder.layers.3.**", "identity"),
        ("decoder.0.**", "decoder.layers.0.**", "identity"),
        ("decoder.1.**", "decoder.layers.1.**", "identity"),
        ("decoder.2.**", "decoder.layers.2.**", "identity"),
        ("decoder.3.**", "decoder.layers.3.**", "identity"),
    ],
}
