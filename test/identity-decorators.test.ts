/**
 * A library decorator that returns the function it is given (timm's register_model, which many repositories put on
 * their model functions, e.g. facebookresearch/ConvNeXt): it runs on import, so the Untranslated placeholder a
 * torch library's name gets made the port fail to import. Read from the library's source (a library file is bound
 * from its outline; the body comes from its whole tree), it is bound to a function that returns its argument, with
 * C2M-W025; a library function that returns something else stays a placeholder with C2M-E050.
 */
import { describe, expect, it } from "vitest";
import { compile, memoryHost } from "../src/index.js";
import { portDifference } from "./python-run.js";

const REGISTRY = `import sys
from typing import Any, Callable

_model_entrypoints = {}


def register_model(fn: Callable[..., Any]) -> Callable[..., Any]:
    mod = sys.modules[fn.__module__]
    if hasattr(mod, "__all__"):
        mod.__all__.append(fn.__name__)
    _model_entrypoints[fn.__name__] = fn
    return fn


def wrap_model(fn):
    def inner(*args, **kwargs):
        return fn(*args, **kwargs)

    return inner
`;

const SOURCE = `import torch
import torch.nn as nn
from timm.models.registry import register_model, wrap_model


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        return self.conv(x).mean((2, 3))


@register_model
def net_tiny(**kwargs):
    return Net(**kwargs)
`;

describe("a library decorator that returns its argument", () => {
  const files = { "lib/timm/models/registry.py": "from ._registry import *\n", "lib/timm/models/_registry.py": REGISTRY, "model.py": SOURCE };
  const r = compile(SOURCE, { filename: "model.py", host: memoryHost(files, ["lib"]) });

  it("is bound to a function returning its argument (C2M-W025); one that returns something else stays a placeholder (C2M-E050)", () => {
    expect(r.diagnostics.map((d) => `${d.code} ${d.message.split(" ")[0]}`)).toEqual(["C2M-W025 timm.models.registry.register_model", "C2M-E050 timm.models.registry.wrap_model"]);
    expect(r.code).toContain("register_model = lambda fn, *args, **kwargs: fn  # c2m: C2M-W025");
    expect(r.code).toContain('wrap_model = Untranslated("timm.models.registry.wrap_model")');
  });

  it("the port imports (the decorator runs on import) and matches torch", () => {
    // the reference side without timm (importing it here needs torchvision's compiled ops): the same decorators, local
    const reference = SOURCE.replace("from timm.models.registry import register_model, wrap_model", REGISTRY);
    expect(portDifference(reference, r.code, r.weightMaps.Net)).toBeLessThan(1e-4);
  });
});
