/**
 * A tensor stored by item assignment into a local list whose items c2m tracks (GLPN's decoder:
 * `stage_hidden_states.append(stage(...))` per stage, then `stage_hidden_states[-1] = self.final_upsample(h)`, the
 * list returned and its last item fed to a conv head). The stored item went in torch's layout while the list's value
 * said channels-last, so the return converted it a second time: the head's conv met a channel mismatch (or, square,
 * wrong numbers) after a clean compile. It now goes in the layout the list holds its items in
 * (passes/walk/list-growth.ts storeItem); an item at a known position of a list of known items keeps its own.
 * Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const appended = `import torch
import torch.nn as nn


class Decoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.stages = nn.ModuleList([nn.Conv2d(c, c, 3, padding=1) for _ in range(2)])
        self.up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)

    def forward(self, xs):
        outs = []
        h = None
        for x, stage in zip(xs, self.stages):
            h = stage(x) if h is None else stage(x) + h
            outs.append(h)
        outs[-1] = self.up(h)
        return outs


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        self.decoder = Decoder(4)
        self.head = nn.Conv2d(4, 2, 3, padding=1)

    def forward(self, x):
        f = self.stem(x)
        outs = self.decoder([f, f * 2])
        return self.head(outs[-1]).mean(dim=(2, 3)) + outs[0].sum(dim=1).mean(dim=(1, 2)).unsqueeze(1)
`;

// a list of known items: one replaced at a literal position keeps its own layout; one at a computed index takes the list's
const positional = `import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1)
        self.head = nn.Conv2d(6, 2, 1)

    def forward(self, x):
        feats = [x, x * 2]
        feats[0] = self.conv(x)
        for i in range(len(feats)):
            feats[i] = feats[i] + 1
        feats[1] = self.conv(feats[1])
        return self.head(torch.cat(feats, dim=1))
`;

describe("a tensor stored into a list by item assignment", () => {
  it("into a list grown by append: goes in the list's layout, matches torch", () => {
    const r = compile(appended, { filename: "list_store.py" });
    expect(r.diagnostics).toEqual([]);
    expect(r.code).toContain("outs[-1] = self.up(h)\n");
    expect(portDifference(appended, r.code, r.weightMaps.Net, [1, 3, 8, 8])).toBeLessThan(1e-4);
  });

  it("into a list of known items, at literal and computed positions: matches torch", () => {
    const r = compile(positional, { filename: "list_store_items.py" });
    expect(r.diagnostics).toEqual([]);
    expect(portDifference(positional, r.code, r.weightMaps.Net, [1, 3, 5, 7])).toBeLessThan(1e-4);
  });
});
