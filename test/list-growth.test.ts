/**
 * A tuple grown by `+=` (diffusers' UNet skips: `res_all = (sample,)`, then `res_all += res` per down block, then
 * `res_all[-1:]` / `res_all[:-1]` read by the up blocks). The first item is a conv's channels-last result, the added
 * ones come back from a block in torch's layout: they are converted to the tuple's layout where they are added
 * (passes/walk/list-growth.ts), and a block's nested returned tuple stays a tuple at the caller. Called by keyword,
 * the blocks get their arguments in the layout their forward takes (module-calls.ts keywordLayout). Both compiled
 * with no diagnostic and gave wrong numbers (or a conv's channel mismatch) before. Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const byKeyword = `import torch
import torch.nn as nn


class Down(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, hidden_states):
        h = self.conv(hidden_states)
        return h, (h,)


class Up(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(2 * c, c, 3, padding=1)

    def forward(self, hidden_states, res_hidden_states_tuple):
        res = res_hidden_states_tuple[-1]
        return self.conv(torch.cat([hidden_states, res], dim=1))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv_in = nn.Conv2d(3, 4, 3, padding=1)
        self.downs = nn.ModuleList([Down(4), Down(4)])
        self.ups = nn.ModuleList([Up(4), Up(4), Up(4)])

    def forward(self, x):
        sample = self.conv_in(x)
        res_all = (sample,)
        for d in self.downs:
            sample, res = d(hidden_states=sample)
            res_all += res
        for u in self.ups:
            res = res_all[-1:]
            res_all = res_all[:-1]
            sample = u(hidden_states=sample, res_hidden_states_tuple=res)
        return sample
`;

const byPosition = byKeyword.replace("d(hidden_states=sample)", "d(sample)").replace("u(hidden_states=sample, res_hidden_states_tuple=res)", "u(sample, res)");

describe("a tuple of skips grown by += and sliced", () => {
  for (const [name, src] of [
    ["called by keyword", byKeyword],
    ["called by position", byPosition],
  ] as const) {
    it(`${name}: matches torch`, () => {
      const r = compile(src, { filename: "list_growth.py" });
      expect(r.diagnostics).toEqual([]);
      expect(portDifference(src, r.code, r.weightMaps.Net, [1, 3, 5, 7])).toBeLessThan(1e-4);
    });
  }

  it("a literal added with +: matches torch", () => {
    const src = byKeyword.replace("res_all += res", "res_all = res_all + (res[0],)");
    const r = compile(src, { filename: "list_growth.py" });
    expect(r.diagnostics).toEqual([]);
    expect(portDifference(src, r.code, r.weightMaps.Net, [1, 3, 5, 7])).toBeLessThan(1e-4);
  });
});

// items of one tuple in two layouts (a conv's result, a reshape in torch's), read without their position
const mixed = `import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)

    def forward(self, x):
        h = self.conv(x)
        b, c, hh, ww = x.shape
        y = x.reshape(b, c, hh * ww).reshape(b, c, hh, ww)
        feats = (h, y)
        outs = [f.sum(dim=1, keepdim=True) for f in feats]
        out = outs[0] + outs[1]
        for f in feats:
            out = out * f.mean(dim=1, keepdim=True)
        if x.shape[0] > 1:
            res = (h,)
        else:
            res = (y,)
        out = out + res[0].softmax(dim=1)
        r2 = feats[:2]
        return out + r2[1].amax(dim=1, keepdim=True)
`;

const unnamed = `import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)

    def forward(self, x):
        b, c, hh, ww = x.shape
        feats = (self.conv(x), x.reshape(b, c, hh * ww).reshape(b, c, hh, ww))
        out = 1.0
        for f in feats:
            out = f.sum(dim=1, keepdim=True) * out
        return out
`;

describe("a tuple whose items are held in different layouts", () => {
  it("read by iteration, slice and branch join: brought to one layout where defined, matches torch", () => {
    const r = compile(mixed, { filename: "mixed_items.py" });
    expect(r.diagnostics.map((d) => d.code)).not.toContain("C2M-W057");
    expect(portDifference(mixed, r.code, r.weightMaps.Net, [1, 4, 5, 7])).toBeLessThan(1e-4);
  });

  it("an item c2m cannot convert where it is defined: C2M-W057 where it is read, never silent", () => {
    const r = compile(unnamed, { filename: "unnamed_items.py" });
    const d = r.diagnostics.find((x) => x.code === "C2M-W057");
    expect(d).toBeDefined();
    expect([d!.line, d!.col]).toEqual([14, 18]);
  });
});

// the down blocks are a union (two classes): the call's tuple result is no list c2m sees, and the keyword argument
// goes in the layout both classes take it in (diffusers' unet_spatio_temporal: C2M-E034, then wrong numbers, before)
const unionBlocks = `import torch
import torch.nn as nn


class Down(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, hidden_states):
        h = self.conv(hidden_states)
        return h, (h,)


class DownAct(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 1)

    def forward(self, hidden_states):
        h = self.conv(hidden_states).relu()
        return h, (hidden_states, h)


class Up(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(2 * c, c, 3, padding=1)

    def forward(self, hidden_states, res_hidden_states_tuple):
        res = res_hidden_states_tuple[-1]
        return self.conv(torch.cat([hidden_states, res], dim=1))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv_in = nn.Conv2d(3, 4, 3, padding=1)
        self.downs = nn.ModuleList([Down(4), DownAct(4)])
        self.ups = nn.ModuleList([Up(4), Up(4), Up(4), Up(4)])

    def forward(self, x):
        sample = self.conv_in(x)
        res_all = (sample,)
        for d in self.downs:
            sample, res = d(hidden_states=sample)
            res_all += res
        for u in self.ups:
            res = res_all[-1:]
            res_all = res_all[:-1]
            sample = u(hidden_states=sample, res_hidden_states_tuple=res)
        return sample
`;

describe("skips grown by += from a union of blocks called by keyword", () => {
  it("matches torch", () => {
    const r = compile(unionBlocks, { filename: "union_skips.py" });
    expect(r.diagnostics).toEqual([]);
    expect(portDifference(unionBlocks, r.code, r.weightMaps.Net, [1, 3, 5, 7])).toBeLessThan(1e-4);
  });

  it("a first item that cannot move (no name): the added ones are converted where they are added", () => {
    const src = unionBlocks.replace("sample = self.conv_in(x)\n        res_all = (sample,)", "res_all = (self.conv_in(x),)\n        sample = res_all[0]");
    const r = compile(src, { filename: "union_skips.py" });
    expect(r.code).toContain("res_all += type(res)(c2m_item.transpose(0, 2, 3, 1) for c2m_item in res)");
    expect(r.diagnostics).toEqual([]);
    expect(portDifference(src, r.code, r.weightMaps.Net, [1, 3, 5, 7])).toBeLessThan(1e-4);
  });
});

// a list of skips read back by pop() while the value beside it is in torch's layout (ldm's Model, its blocks public)
const popped = `import torch
import torch.nn as nn

__all__ = ["Block", "Net"]


class Block(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)

    def forward(self, x):
        return self.conv(x)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv_in = nn.Conv2d(3, 4, 3, padding=1)
        self.down = nn.ModuleList([Block(4, 4), Block(4, 4)])
        self.mid = Block(4, 4)
        self.up = nn.ModuleList([Block(8, 4), Block(8, 4), Block(8, 4)])

    def forward(self, x):
        hs = [self.conv_in(x)]
        for d in self.down:
            hs.append(d(hs[-1]))
        h = self.mid(hs[-1])
        for u in self.up:
            h = u(torch.cat([h, hs.pop()], dim=1))
        return h
`;

describe("a list of tensors read back by pop()", () => {
  it("gives its items in the layout the list holds them in: matches torch", () => {
    const r = compile(popped, { filename: "popped.py" });
    expect(r.code).toContain("mx.concatenate([h, hs.pop()], axis=3)");
    expect(portDifference(popped, r.code, r.weightMaps.Net, [1, 3, 5, 7])).toBeLessThan(1e-4);
  });
});
