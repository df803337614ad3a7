def c2m_shared_class(name, cls):
    """A class c2m writes into each file of a package that needs it (TorchLSTM, the stand-in for torch's nn.LSTM passed
    as a value) is one class across the package's files, as torch's nn.LSTM is one: `self.rnn_cell is nn.LSTM` in one
    file holds for the class another file stored. The first file's definition (each file's is the same) is kept."""
    modules = __import__("sys").modules
    shared = modules.setdefault("c2m_shared_classes", type(modules[__name__])("c2m_shared_classes"))
    return shared.__dict__.setdefault(name, cls)
