class TiedSequential(C2MModuleMixin, nn.Sequential):
    """torch.nn.Sequential built in a function that ties one item's parameter to another's (PaLM's
    `net[-1].weight = net[0].weight`): the tied parameter is one array, as in torch (C2MModuleMixin)."""
