class TransformerDecoder(nn.Module):
    """torch.nn.TransformerDecoder: num_layers copies of decoder_layer (keys layers.N.*), then the optional norm."""

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        if not hasattr(decoder_layer, "_clone"):
            raise TypeError("TransformerDecoder: decoder_layer must be a TransformerDecoderLayer (the c2m helper), which it copies")
        self.layers = [decoder_layer._clone() for _ in range(num_layers)]
        self.norm = norm

    def __call__(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        x = tgt
        for layer in self.layers:
            x = layer(x, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask, bool(tgt_is_causal), memory_is_causal)
        return x if self.norm is None else self.norm(x)
