def c2m_layer_attr(module, name):
    """A torch layer attribute MLX's layers do not keep (in_features, out_channels, kernel_size, ...): the module's
    own attribute when it has one (a class of the model's, a stand-in layer), else read off its weight, which MLX
    holds as (out, in) for Linear and (out, *kernel, in / groups) for convolutions."""
    if name in ("stride", "padding", "dilation") and type(module).__name__.startswith(("Conv1d", "Conv2d", "Conv3d", "ConvTranspose")) and type(module).__module__.startswith("mlx."):
        # torch's convolutions keep a tuple per spatial axis; MLX's Conv1d keeps an int
        value = getattr(module, name)
        return tuple(value) if isinstance(value, (tuple, list)) else (value,) * (module["weight"].ndim - 2)
    if (isinstance(module, dict) and name in module) or name in getattr(module, "__dict__", {}) or hasattr(type(module), name):
        return getattr(module, name)
    if name == "padding_idx":
        # MLX's Embedding keeps no padding index (it only stops the row's gradient in torch, and torch's init zeroes
        # the row): None, so an init skips that row; the loaded weights hold torch's row as it is
        return None
    if name == "num_batches_tracked":
        # torch's BatchNorm counts training batches in a buffer (read only when momentum is None); MLX's keeps no
        # counter: a fresh 0, which an init may zero in place (C2M-W028 marks each read)
        mx = __import__("mlx.core").core  # the file may not import MLX itself
        return mx.array(0, dtype=mx.int64)
    weight = module["weight"] if isinstance(module, dict) and "weight" in module else None
    if weight is None:
        raise AttributeError(f"c2m: {type(module).__name__} has no attribute {name!r}, nor a weight to read it from")
    if name in ("out_features", "out_channels", "num_features", "num_embeddings"):
        return weight.shape[0]
    if name == "in_features" or name == "embedding_dim":
        return weight.shape[-1]
    if name == "in_channels":
        return weight.shape[-1] * getattr(module, "groups", 1)
    if name == "kernel_size":
        return tuple(weight.shape[1:-1])
    raise AttributeError(f"c2m: {type(module).__name__} has no attribute {name!r}")
