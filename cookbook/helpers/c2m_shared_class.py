def c2m_shared_class(name, cls):
    """A class c2m writes into each file that needs it (TorchLSTM, the stand-in for torch's nn.LSTM passed as a value)
    is one class across the files of a port, as torch's nn.LSTM is one: `self.rnn_cell is nn.LSTM` in one file holds
    for the class another file stored. The first file's definition (each file's is the same) is kept."""
    import sys
    import types

    shared = sys.modules.setdefault("c2m_shared_classes", types.ModuleType("c2m_shared_classes"))
    return shared.__dict__.setdefault(name, cls)
