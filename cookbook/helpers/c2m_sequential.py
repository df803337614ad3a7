# The MLX classes (and c2m's helper layers) by the layout their input must have: channels-last ones, and
# elementwise ones that take either. Any other module takes torch's layout (c2m's translated classes keep it at
# their boundary unless they declare `c2m_layout = (takes channels-last, returns channels-last)`).
_C2M_CHANNELS_LAST = {
    "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", "ConvTorch", "ConvTransposeConvMapped",
    "BatchNorm", "BatchNorm1d", "BatchNorm3d", "GroupNorm", "InstanceNorm", "InstanceNormTracked", "Dropout1d", "Dropout2d", "Dropout3d", "PReLU",
    "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d", "MaxPoolTorch", "AvgPoolTorch",
    "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d",
    "Upsample", "PixelShuffle", "PixelUnshuffle", "ConstantPad", "ReflectionPad", "ReplicationPad",
}
_C2M_ELEMENTWISE = {
    "Identity", "Dropout", "AlphaDropout", "ReLU", "ReLU6", "GELU", "SiLU", "Mish", "LeakyReLU", "ELU", "SELU", "CELU",
    "Sigmoid", "Tanh", "Softsign", "LogSigmoid", "Hardswish", "Hardsigmoid", "Hardtanh", "HardShrink", "Softshrink",
    "Softplus", "Tanhshrink", "Threshold",
}


def c2m_sequential(module, x, channels_last, end_channels_last, /, *args, **kwargs):
    """Runs a Sequential whose items disagree on layout (a conv beside a module that keeps torch's layout),
    moving x between channels-last and torch's layout before each item that needs the other; `channels_last`
    says how x arrives, `end_channels_last` how the caller reads the result. A module that is no Sequential
    runs as a Sequential of one, given `args` (in torch's layout) after x and the call's keywords: one of several
    modules chosen at run time (diffusers' conv_norm_out, a GroupNorm, or a SpatialNorm also given the latent
    embeddings)."""

    def move(x, to_channels_last):
        if x.ndim < 3:
            return x
        return mx.moveaxis(x, 1, -1) if to_channels_last else mx.moveaxis(x, -1, 1)

    def layout_of(m):
        # (takes channels-last, returns channels-last); None: either, as given
        for c in type(m).__mro__:
            if "c2m_layout" in c.__dict__:
                return c.__dict__["c2m_layout"]
            if c.__name__ in _C2M_CHANNELS_LAST:
                return True, True
            if c.__name__ in _C2M_ELEMENTWISE:
                return None, None
            if c.__name__ in ("Sequential", "NamedSequential"):
                return "items", None
            if "__call__" in c.__dict__:
                break
        return False, False

    if layout_of(module)[0] == "items":
        items = module.c2m_items() if hasattr(module, "c2m_items") else module.layers
    else:
        items = [module]
    cl = channels_last
    for m in items:
        takes, gives = layout_of(m)
        if takes == "items":
            x = c2m_sequential(m, x, cl, cl)
            continue
        if takes is not None and takes != cl and x.ndim >= 3:
            x, cl = move(x, takes), takes
        x = m(x, *args, **kwargs)
        if gives is not None:
            cl = gives
    return move(x, end_channels_last) if cl != end_channels_last else x
