/**
 * einops (lucidrains' vit-pytorch, mamba-minimal, x-transformers): rearrange, repeat, reduce, einsum, pack, unpack and the Rearrange/Reduce layers of
 * einops.layers.torch are table rows (passes/tables/einops.ts) whose helpers read the pattern at run time as einops
 * does, so the port imports neither einops nor torch (einops.layers.torch imports torch: the port failed to import,
 * with only a warning). The patterns name axes in torch's order: a channels-last conv output is put back first.
 * An einops name without a row is an error where it is used (C2M-E038). Checked against torch and einops itself.
 */
import { describe, expect, it } from "vitest";
import { portDifference, runPython } from "./python-run.js";
import { compile } from "../src/index.js";
import { helperSource } from "../emit/helpers.js";

const src = `import torch
import torch.nn as nn
import einops
from einops import rearrange, repeat, reduce, pack, unpack
from einops.layers.torch import Rearrange, Reduce


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.patch = nn.Sequential(Rearrange("b c (h p1) (w p2) -> b (h w) (p1 p2 c)", p1=2, p2=2), nn.Linear(32, 16))
        self.pool = Reduce("b n d -> b d", "mean")
        self.cls = nn.Parameter(torch.randn(1, 1, 16))
        self.mix = nn.Parameter(torch.randn(2, 2))

    def forward(self, x):
        y = self.conv(x)
        t = self.patch(y)
        c = repeat(self.cls, "() n d -> b n d", b=t.shape[0])
        pk, ps = pack([c, t], "b * d")
        c, t = unpack(pk, ps, "b * d")
        t = torch.cat([c, t], dim=1)
        q = rearrange(t, "b n (h d) -> b h n d", h=2)
        q = einops.einsum(q, self.mix, "b head n d, head g -> b g n d")
        m = reduce(y, "b c (h 2) (w 2) -> b c h w", "max")
        flat, shapes = pack([m, y], "b *")
        m = unpack(flat * 2, shapes, "b *")[0]
        return self.pool(rearrange(q, "b h n d -> b n (h d)")) + rearrange(m, "b c h w -> b (c h w)")[:, :16]
`;

describe("einops", () => {
  const r = compile(src, { filename: "einops_net.py" });

  it("is translated through its rows: no einops import left, the helpers called, the conv output back in torch's order", () => {
    expect(r.diagnostics.map((d) => d.code)).toEqual([]);
    expect(r.code).not.toMatch(/^\s*(import einops|from einops)/m);
    expect(r.code).toContain('EinopsRearrange("b c (h p1) (w p2) -> b (h w) (p1 p2 c)", p1=2, p2=2)');
    expect(r.code).toContain('einops_repeat(self.cls, "() n d -> b n d", b=t.shape[0])');
    expect(r.code).toContain('einops_reduce(y.transpose(0, 3, 1, 2), "b c (h 2) (w 2) -> b c h w", "max")');
    expect(r.code).toContain('pk, ps = einops_pack([c, t], "b * d")');
    expect(r.code).toContain('c, t = einops_unpack(pk, ps, "b * d")');
  });

  it("matches torch", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [2, 3, 8, 8])).toBeLessThan(1e-4);
  });

  it("reports an einops name it has no row for, at the call", () => {
    const d = compile(`import torch\nfrom einops import parse_shape\n\ndef f(a, b):\n    return parse_shape(a, "b d")\n`, { filename: "p.py" }).diagnostics;
    // the output checker also finds the name unbound (C2M-E022): the import went
    expect(d.map((x) => `${x.code}:${x.line}`)).toContain("C2M-E038:5");
  });

  it("reads patterns as einops does (ellipsis, anonymous and empty axes, groups on both sides, every reduction)", () => {
    const helpers = ["c2m_einops", "einops_rearrange", "einops_repeat", "einops_reduce", "einops_einsum"].map(helperSource).join("\n");
    const worst = runPython(`
import math, numpy as np, mlx.core as mx, mlx.nn as nn, einops, torch
exec(${JSON.stringify(helpers)})
rng = np.random.default_rng(0)
cases = [
    ("rearrange", (2, 6, 4, 4), "b (h d) x y -> (b h) (x y) d", (), dict(h=2)),
    ("rearrange", (4, 16, 3), "(b h) (x y) d -> b (h d) x y", (), dict(h=2, y=4)),
    ("rearrange", (2, 3, 1, 1), "... () () -> ...", (), {}),
    ("rearrange", (3, 4), "... -> 1 ...", (), {}),
    ("rearrange", (2, 3, 1), "b n 1 -> b n", (), {}),
    ("rearrange", (2, 3, 5), "b ... d -> b (...) d", (), {}),
    ("rearrange", (2, 4, 4, 6), "b (ph pw) (h w) d -> b d (h ph) (w pw)", (), dict(h=2, w=2, ph=2, pw=2)),
    ("repeat", (5, 8), "... d -> b ... d", (), dict(b=2)),
    ("repeat", (4,), "n -> d n", (), dict(d=3)),
    ("repeat", (2, 3), "h w -> h (w 2) 3", (), {}),
    ("reduce", (2, 3, 4, 4), "b c h w -> b c", ("mean",), {}),
    ("reduce", (2, 3, 4), "b n d -> d", ("sum",), {}),
    ("reduce", (2, 3, 4), "b n d -> b d", ("min",), {}),
    ("reduce", (2, 4, 3), "b (n 2) d -> b n d", ("prod",), {}),
]
worst = 0.0
for fn, shape, pattern, extra, axes in cases:
    x = rng.standard_normal(shape).astype(np.float32)
    want = getattr(einops, fn)(torch.from_numpy(x), pattern, *extra, **axes).numpy()
    got = np.array(globals()["einops_" + fn](mx.array(x), pattern, *extra, **axes))
    worst = max(worst, float(np.abs(got - want).max()) if got.shape == want.shape else math.inf)
a, b, c = (rng.standard_normal(s).astype(np.float32) for s in [(2, 3, 4), (4, 5), (2, 3, 5)])
want = einops.einsum(*map(torch.from_numpy, (a, c, a)), "b l d_in, b l n, b l d_in -> b l d_in n").numpy()
got = np.array(einops_einsum(*map(mx.array, (a, c, a)), "b l d_in, b l n, b l d_in -> b l d_in n"))
worst = max(worst, float(np.abs(got - want).max()))
print(worst)
`);
    expect(Number(worst)).toBeLessThan(1e-5);
  });
});
