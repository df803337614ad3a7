/**
 * numpy values (torch's `.numpy()`, translated to np.array) meeting MLX again (passes/walk/host-values.ts):
 * TimesNet's FFT_for_Period returns `x.shape[1] // top_list` (a numpy array) and indexes an mx.array with top_list;
 * its caller reshapes by the periods. torch takes numpy arrays and integers there; MLX raised (an index of a numpy
 * array, a numpy integer as a reshape size). They now go through c2m_from_numpy where they meet MLX, also through
 * the function's return and the branches after it.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const periods = `import torch
import torch.nn as nn


def top_periods(x, k=2):
    xf = torch.fft.rfft(x, dim=1)
    freq = abs(xf).mean(0).mean(-1)
    freq[0] = 0
    _, top = torch.topk(freq, k)
    top = top.detach().cpu().numpy()
    period = x.shape[1] // top
    return period, abs(xf).mean(-1)[:, top]


class Net(nn.Module):
    def __init__(self, k=2):
        super().__init__()
        self.k = k
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        B, T, N = x.size()
        periods, weight = top_periods(x, self.k)
        res = []
        for i in range(self.k):
            period = periods[i]
            if T % period != 0:
                length = (T // period + 1) * period
                out = torch.cat([x, torch.zeros([B, length - T, N])], dim=1)
            else:
                length = T
                out = x
            out = self.fc(out.reshape(B, length // period, period, N)).reshape(B, -1, N)
            res.append(out[:, :T, :])
        res = torch.stack(res, dim=-1)
        return torch.sum(res * torch.softmax(weight, dim=1).unsqueeze(1).unsqueeze(1), -1)
`;

describe("numpy values from .numpy() used beside MLX arrays", () => {
  const r = compile(periods, { filename: "periods.py" });

  it("converts them where they index an mx.array or size a reshape, and not where they meet Python numbers", () => {
    expect(r.code).toContain("top = np.array(mx.stop_gradient(top))");
    expect(r.code).toContain("period = x.shape[1] // top\n");
    expect(r.code).toContain("[:, c2m_from_numpy(top)]");
    expect(r.code).toContain("out.reshape(B, c2m_from_numpy(length // period), c2m_from_numpy(period), N)");
    expect(r.code).toContain("def c2m_from_numpy(value):");
  });

  it("matches torch", () => {
    expect(portDifference(periods, r.code, r.weightMaps.Net, [2, 12, 4])).toBeLessThan(1e-5);
  });
});
