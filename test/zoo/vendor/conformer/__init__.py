from conformer.conformer import ConformerConvModule, ConformerBlock, Conformer
