class TransformerEncoder(nn.Module):
    """torch.nn.TransformerEncoder: num_layers copies of encoder_layer (keys layers.N.*), then the optional norm."""

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True):
        super().__init__()
        if not hasattr(encoder_layer, "_clone"):
            raise TypeError("TransformerEncoder: encoder_layer must be a TransformerEncoderLayer (the c2m helper), which it copies")
        self.layers = [encoder_layer._clone() for _ in range(num_layers)]
        self.norm = norm

    def __call__(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=bool(is_causal))
        return x if self.norm is None else self.norm(x)
