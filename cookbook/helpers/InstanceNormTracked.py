class InstanceNormTracked(nn.Module):
    """torch.nn.InstanceNorm{1,2,3}d on channels-last input (N, *spatial, C), track_running_stats included. With it,
    torch normalises in eval with the running statistics, per channel as BatchNorm does, and in training with each
    instance's own; MLX's InstanceNorm keeps no running statistics. They are loaded here, not updated in training.
    Without it (a class passed as a value, built with torch's defaults), each instance's own statistics always."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False, dims=2):
        super().__init__()
        self.eps = eps
        if affine:
            self.weight = mx.ones((num_features,))
            self.bias = mx.zeros((num_features,))
        if track_running_stats:
            self.running_mean = mx.zeros((num_features,))
            self.running_var = mx.ones((num_features,))
            self.freeze(keys=["running_mean", "running_var"], recurse=False)

    def __call__(self, x):
        if self.training or "running_mean" not in self:
            axes = list(range(1, x.ndim - 1))
            mean, var = mx.mean(x, axis=axes, keepdims=True), mx.var(x, axis=axes, keepdims=True)
        else:
            mean, var = self.running_mean, self.running_var
        x = (x - mean) * mx.rsqrt(var + self.eps)
        if "weight" in self:
            x = x * self.weight + self.bias
        return x
