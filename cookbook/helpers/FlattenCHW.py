
class FlattenCHW(nn.Module):
    """nn.Flatten for a channels-last input: flattens in torch's (C, H, W) order, so the Linear after it
    sees the features in the order its torch weights expect."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def __call__(self, x):
        x = x.transpose(0, x.ndim - 1, *range(1, x.ndim - 1))
        end = self.end_dim % x.ndim
        return x.reshape(*x.shape[: self.start_dim], -1, *x.shape[end + 1 :])
