# Point-cloud and sampling idioms as they appear in popular repos: kNN with torch.cdist (PointNet++/DGCNN
# utilities), segment sums with scatter_add_ and index_add_ (torch_scatter-free GNN code), NeRF's
# inverse-CDF sampling with torch.searchsorted (nerf-pytorch sample_pdf), repeat_interleave for
# per-graph features, and boolean-mask assignment for clamping outliers.
import mlx.core as mx
import mlx.nn as nn
import collections


def cookbook_bincount(input, weights=None, minlength=0):
    """torch.bincount: counts (or summed weights) per non-negative integer value, length
    max(minlength, max(input) + 1). The length depends on the data, so it is read on the host (torch
    synchronises here too); the counting itself is one scatter-add."""
    n = max(int(minlength), int(input.max().item()) + 1 if input.size else 0)
    values = mx.ones(input.shape, dtype=mx.int32) if weights is None else weights
    return mx.zeros((n,), dtype=values.dtype).at[input].add(values)


def cookbook_repeat_interleave(input, repeats, dim=None):
    """torch.repeat_interleave with per-element repeats (a tensor): mx.repeat takes one count only. The
    output length depends on the counts, so they are read on the host (torch synchronises here too)."""
    if dim is None:
        input, dim = input.reshape(-1), 0
    if isinstance(repeats, int):
        return mx.repeat(input, repeats, axis=dim)
    counts = repeats.tolist() if repeats.ndim else [int(repeats.item())] * input.shape[dim]
    index = [i for i, r in enumerate(counts) for _ in range(r)]
    return mx.take(input, mx.array(index, dtype=mx.int32), axis=dim)


def cookbook_searchsorted(sorted_sequence, values, right=False, side=None):
    """torch.searchsorted: mx.searchsorted takes a 1-D sorted sequence only; torch also takes one sorted
    row per leading index (NeRF's inverse-CDF sampling). A row's insertion index is the number of its
    elements below each value (<= for right=True), counted in one vectorised comparison."""
    right = right or side == "right"
    if sorted_sequence.ndim == 1:
        return mx.searchsorted(sorted_sequence, values, side="right" if right else "left").astype(mx.int32)
    rows = mx.expand_dims(sorted_sequence, -2)
    probe = mx.expand_dims(values, -1)
    below = rows <= probe if right else rows < probe
    return below.astype(mx.int32).sum(axis=-1)


def ops_cdist(x1, x2, p=2.0):
    """torch.cdist: p-norm distances between the rows of x1 (…, P, M) and x2 (…, R, M) → (…, P, R),
    from the differences (not the |a|² + |b|² - 2ab expansion, which loses precision)."""
    diff = mx.abs(mx.expand_dims(x1, -2) - mx.expand_dims(x2, -3))
    if p == 2 or p == 2.0:
        return mx.sqrt(mx.sum(diff * diff, axis=-1))
    if p == 1:
        return mx.sum(diff, axis=-1)
    if p == float("inf"):
        return mx.max(diff, axis=-1)
    if p == 0:
        return mx.sum(diff != 0, axis=-1).astype(x1.dtype)
    return mx.power(mx.sum(mx.power(diff, p), axis=-1), 1.0 / p)


def ops_expand(input, *sizes):
    """torch Tensor.expand / torch.broadcast_to: broadcast to `sizes`, where -1 keeps that dimension."""
    if len(sizes) == 1 and not isinstance(sizes[0], int):
        sizes = tuple(sizes[0])
    lead = len(sizes) - input.ndim
    shape = [input.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes)]
    return mx.broadcast_to(input, shape)


def ops_gather(input, dim, index):
    """torch.gather: out[i][j] = input[i][index[i][j]] along `dim`. torch lets `index` be smaller than
    `input` in the other dimensions (it reads the leading part); take_along_axis would broadcast instead."""
    dim = dim % input.ndim
    crop = tuple(slice(None) if d == dim else slice(0, s) for d, s in enumerate(index.shape))
    return mx.take_along_axis(input[crop], index, axis=dim)


def ops_index_add(input, dim, index, source, alpha=1):
    """torch.index_add: out = input, then out.select(dim, index[i]) += alpha * source.select(dim, i),
    summing repeated indices."""
    dim = dim % input.ndim
    values = source if alpha == 1 else source * alpha
    return input.at[(slice(None),) * dim + (index,)].add(values)


OpsMaxResult = collections.namedtuple("OpsMaxResult", ["values", "indices"])


def ops_max(input, dim=None, keepdim=False, other=None):
    """torch.max: the largest element; the elementwise maximum when given a tensor; with `dim`, the
    (values, indices) pair, indices int32 (torch: int64)."""
    if isinstance(dim, mx.array):
        dim, other = None, dim
    if other is not None:
        return mx.maximum(input, other)
    if dim is None:
        return mx.max(input)
    values = mx.max(input, axis=dim, keepdims=keepdim)
    indices = mx.argmax(input, axis=dim, keepdims=keepdim).astype(mx.int32)
    return OpsMaxResult(values, indices)


OpsMinResult = collections.namedtuple("OpsMinResult", ["values", "indices"])


def ops_min(input, dim=None, keepdim=False, other=None):
    """torch.min: the smallest element; the elementwise minimum when given a tensor; with `dim`, the
    (values, indices) pair, indices int32 (torch: int64)."""
    if isinstance(dim, mx.array):
        dim, other = None, dim
    if other is not None:
        return mx.minimum(input, other)
    if dim is None:
        return mx.min(input)
    values = mx.min(input, axis=dim, keepdims=keepdim)
    indices = mx.argmin(input, axis=dim, keepdims=keepdim).astype(mx.int32)
    return OpsMinResult(values, indices)


def ops_scatter_add(input, dim, index, src):
    """torch.scatter_add: out = input, then out[..., index[i], ...] += src[i] along `dim`, summing
    repeated indices (MLX's .at[].add accumulates them)."""
    dim = dim % input.ndim
    grids = list(mx.meshgrid(*(mx.arange(s) for s in index.shape), indexing="ij"))
    grids[dim] = index
    values = src[tuple(slice(0, s) for s in index.shape)].astype(input.dtype)
    return input.at[tuple(grids)].add(values)


OpsTopkResult = collections.namedtuple("OpsTopkResult", ["values", "indices"])


def ops_topk(input, k, dim=-1, largest=True, sorted=True):
    """torch.topk: the k largest (or smallest) values along `dim`, sorted, with their int32 indices
    (mx.topk returns the values only, unsorted). NaN counts as the largest value, as in torch."""
    key = input.astype(mx.int32) if input.dtype == mx.bool_ else input
    if largest:
        key = -key
        if mx.issubdtype(key.dtype, mx.floating):
            key = mx.where(mx.isnan(key), -mx.inf, key)
    indices = mx.take(mx.argsort(key, axis=dim), mx.arange(k), axis=dim)
    return OpsTopkResult(mx.take_along_axis(input, indices, axis=dim), indices.astype(mx.int32))


def knn_distances(x, y, k: int):
    dist = ops_cdist(x, y)  # (B, N, M)
    return ops_topk(dist, k, -1, largest=False).values


def segment_sum(src, index, num_segments: int):
    out = mx.zeros((num_segments, src.shape[1]), dtype=src.dtype)
    out = ops_index_add(out, 0, index, src)  # c2m: C2M-W004 in-place index_add_ rewritten as an assignment
    return out


def scatter_sum(src, index, num_segments: int):
    out = mx.zeros((num_segments, src.shape[1]), dtype=src.dtype)
    return ops_scatter_add(out, 0, mx.broadcast_to(mx.expand_dims(index, -1), src.shape), src)


def sample_pdf(bins, weights, u):
    weights = weights + 1e-5
    pdf = weights / mx.sum(weights, axis=-1, keepdims=True)
    cdf = mx.cumsum(pdf, axis=-1)
    cdf = mx.concatenate([mx.zeros_like(cdf[..., :1]), cdf], axis=-1)
    inds = cookbook_searchsorted(cdf, u, right=True)
    below = ops_max(mx.zeros_like(inds - 1), inds - 1)
    above = ops_min((cdf.shape[-1] - 1) * mx.ones_like(inds), inds)
    inds_g = mx.stack([below, above], axis=-1)
    matched_shape = [inds_g.shape[0], inds_g.shape[1], cdf.shape[-1]]
    cdf_g = ops_gather(ops_expand(mx.expand_dims(cdf, 1), matched_shape), 2, inds_g)
    bins_g = ops_gather(ops_expand(mx.expand_dims(bins, 1), matched_shape), 2, inds_g)
    denom = cdf_g[..., 1] - cdf_g[..., 0]
    denom = mx.where(denom < 1e-5, mx.ones_like(denom), denom)
    t = (u - cdf_g[..., 0]) / denom
    return bins_g[..., 0] + t * (bins_g[..., 1] - bins_g[..., 0])


class PointOps(nn.Module):
    def __init__(self, dim=8, segments=4, k=3):
        super().__init__()
        self.proj = nn.Linear(dim, dim)
        self.segments = segments
        self.k = k

    def __call__(self, points, queries):
        # points (N, dim), queries (M, dim)
        h = self.proj(points)
        index = mx.arange(h.shape[0]) % self.segments
        summed = segment_sum(h, index, self.segments)
        scattered = scatter_sum(h, index, self.segments)
        counts = cookbook_bincount(index, minlength=self.segments)
        per_point = cookbook_repeat_interleave((summed / mx.expand_dims(counts, -1)), counts, 0)
        d = knn_distances(mx.expand_dims(h, 0), mx.expand_dims(self.proj(queries), 0), self.k)
        clipped = mx.array(h)
        clipped = mx.where(mx.abs(clipped) > 1.0, 1.0, clipped)
        bins = ops_expand(mx.linspace(0.0, 1.0, h.shape[1] + 1), h.shape[0], -1)
        u = mx.sigmoid(h)
        samples = sample_pdf(bins, mx.softmax(h, axis=-1), u)
        return summed, scattered, per_point, d, clipped, samples


# c2m: torch state_dict keys and layouts -> MLX parameters (read by `c2m weights --map` and sanitize())
C2M_TOP_LEVEL = "PointOps"
C2M_WEIGHT_MAPS = {
    "PointOps": [],
}
