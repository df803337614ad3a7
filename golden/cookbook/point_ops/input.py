# Point-cloud and sampling idioms as they appear in popular repos: kNN with torch.cdist (PointNet++/DGCNN
# utilities), segment sums with scatter_add_ and index_add_ (torch_scatter-free GNN code), NeRF's
# inverse-CDF sampling with torch.searchsorted (nerf-pytorch sample_pdf), repeat_interleave for
# per-graph features, and boolean-mask assignment for clamping outliers.
import torch
import torch.nn as nn


def knn_distances(x, y, k: int):
    dist = torch.cdist(x, y)  # (B, N, M)
    return dist.topk(k, dim=-1, largest=False).values


def segment_sum(src, index, num_segments: int):
    out = torch.zeros(num_segments, src.shape[1], dtype=src.dtype)
    out.index_add_(0, index, src)
    return out


def scatter_sum(src, index, num_segments: int):
    out = torch.zeros(num_segments, src.shape[1], dtype=src.dtype)
    return out.scatter_add_(0, index.unsqueeze(-1).expand_as(src), src)


def sample_pdf(bins, weights, u):
    weights = weights + 1e-5
    pdf = weights / torch.sum(weights, -1, keepdim=True)
    cdf = torch.cumsum(pdf, -1)
    cdf = torch.cat([torch.zeros_like(cdf[..., :1]), cdf], -1)
    inds = torch.searchsorted(cdf, u, right=True)
    below = torch.max(torch.zeros_like(inds - 1), inds - 1)
    above = torch.min((cdf.shape[-1] - 1) * torch.ones_like(inds), inds)
    inds_g = torch.stack([below, above], -1)
    matched_shape = [inds_g.shape[0], inds_g.shape[1], cdf.shape[-1]]
    cdf_g = torch.gather(cdf.unsqueeze(1).expand(matched_shape), 2, inds_g)
    bins_g = torch.gather(bins.unsqueeze(1).expand(matched_shape), 2, inds_g)
    denom = cdf_g[..., 1] - cdf_g[..., 0]
    denom = torch.where(denom < 1e-5, torch.ones_like(denom), denom)
    t = (u - cdf_g[..., 0]) / denom
    return bins_g[..., 0] + t * (bins_g[..., 1] - bins_g[..., 0])


class PointOps(nn.Module):
    def __init__(self, dim=8, segments=4, k=3):
        super().__init__()
        self.proj = nn.Linear(dim, dim)
        self.segments = segments
        self.k = k

    def forward(self, points, queries):
        # points (N, dim), queries (M, dim)
        h = self.proj(points)
        index = torch.arange(h.shape[0]) % self.segments
        summed = segment_sum(h, index, self.segments)
        scattered = scatter_sum(h, index, self.segments)
        counts = torch.bincount(index, minlength=self.segments)
        per_point = torch.repeat_interleave(summed / counts.unsqueeze(-1), counts, dim=0)
        d = knn_distances(h.unsqueeze(0), self.proj(queries).unsqueeze(0), self.k)
        clipped = h.clone()
        clipped[clipped.abs() > 1.0] = 1.0
        bins = torch.linspace(0.0, 1.0, h.shape[1] + 1).expand(h.shape[0], -1)
        u = torch.sigmoid(h)
        samples = sample_pdf(bins, torch.softmax(h, dim=-1), u)
        return summed, scattered, per_point, d, clipped, samples
