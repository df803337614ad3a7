# Signal and spatial idioms on NCHW tensors, written the way popular code writes them: reflect/replicate
# padding before a dilated conv (pix2pixHD/CycleGAN generators), GroupNorm, a learned global filter in
# the Fourier domain (GFNet / FNO spectral layers: rfft2 -> multiply -> irfft2 back to the input size), and
# a spatial transformer (PyTorch's STN tutorial: affine_grid + grid_sample), sampled bilinear with zero
# padding and nearest with border padding, align_corners both ways.
import torch
import torch.nn as nn
import torch.nn.functional as F


class SpectralWarp(nn.Module):
    def __init__(self, channels=4, size=12):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, kernel_size=3, padding=2, dilation=2)
        self.norm = nn.GroupNorm(2, channels)
        self.complex_weight = nn.Parameter(torch.randn(channels, size, size // 2 + 1) * 0.02)
        self.fc_loc = nn.Linear(channels, 6)

    def stn(self, x):
        xs = x.mean(dim=(2, 3))
        theta = self.fc_loc(xs) * 0.1 + torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float)
        theta = theta.view(-1, 2, 3)
        grid = F.affine_grid(theta, x.size(), align_corners=False)
        x = F.grid_sample(x, grid, align_corners=False)
        return x

    def forward(self, x):
        h = F.pad(x, (1, 1, 1, 1), mode="reflect")
        h = self.conv(h)
        h = F.pad(h, (2, 0, 0, 1), mode="replicate")[..., 1:, :-2]
        h = self.norm(h)
        spec = torch.fft.rfft2(h, norm="ortho")
        spec = spec * self.complex_weight
        h = torch.fft.irfft2(spec, s=h.shape[-2:], norm="ortho")
        warped = self.stn(h)
        grid = F.affine_grid(torch.eye(2, 3).unsqueeze(0).repeat(x.shape[0], 1, 1) * 1.2, h.size(), align_corners=True)
        nearest = F.grid_sample(h, grid, mode="nearest", padding_mode="border", align_corners=True)
        return warped, nearest
