"""A text classifier: token + learned position embeddings, a Transformer encoder, masked mean pooling."""
import math

import torch
import torch.nn as nn


class TransformerClassifier(nn.Module):
    """Classifies a sequence of token ids; padding tokens (``pad_idx``) are left out of the pooling."""

    def __init__(self, vocab_size, num_classes, d_model=64, nhead=4, num_layers=2,
                 dim_feedforward=128, dropout=0.1, max_len=128, pad_idx=0):
        super().__init__()
        self.d_model = d_model
        self.pad_idx = pad_idx
        self.embedding = nn.Embedding(vocab_size, d_model, padding_idx=pad_idx)
        self.pos_embedding = nn.Embedding(max_len, d_model)
        encoder_layer = nn.TransformerEncoderLayer(
            d_model=d_model,
            nhead=nhead,
            dim_feedforward=dim_feedforward,
            dropout=dropout,
            batch_first=True,
        )
        self.encoder = nn.TransformerEncoder(encoder_layer, num_layers=num_layers)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(d_model, num_classes)

    def forward(self, src):
        # src: (batch, seq_len) token ids
        positions = torch.arange(src.size(1), device=src.device).unsqueeze(0)
        x = self.embedding(src) * math.sqrt(self.d_model) + self.pos_embedding(positions)
        x = self.encoder(x)

        # mean over the non-padding positions
        mask = (src != self.pad_idx).unsqueeze(-1)
        x = x.masked_fill(~mask, 0.0)
        x = x.sum(dim=1) / mask.sum(dim=1).clamp(min=1)

        x = self.dropout(x)
        return self.classifier(x)
