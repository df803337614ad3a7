class BatchNorm3d(nn.BatchNorm):
    """torch.nn.BatchNorm3d on channels-last input (N, D, H, W, C).

    nn.BatchNorm takes at most 4-d input; statistics and affine are per channel, so folding D
    into H changes nothing.
    """

    def __call__(self, x):
        n, d, h, w, c = x.shape
        return super().__call__(x.reshape(n, d * h, w, c)).reshape(x.shape)
