class FunctionalLoss(nn.Module):
    """A torch loss module (nn.CrossEntropyLoss, nn.MSELoss, ...) as its functional form with the
    constructor's settings: calling it with (input, target) calls fn(input, target, **settings)."""

    def __init__(self, fn, **settings):
        super().__init__()
        self._fn = fn
        self._settings = settings

    def __call__(self, input, target):
        return self._fn(input, target, **self._settings)
