// An example c2m plugin, written only against c2m's public API.
// Use it with `c2m compile model.py --plugin examples/my-plugin.js`, or
// `compile(source, { plugins: [plugin] })` from TypeScript/JavaScript.
// (In your own project, import from "c2m" instead of the repository's build.)
import { definePass, definePlugin, defineRule, nodeKey } from "../dist/src/index.js";

// A rule: SiLU written by hand, as in many diffusion repositories, becomes MLX's nn.silu.
const siluByHand = defineRule({
  name: "silu_by_hand",
  match: ["$x * torch.sigmoid($x)", "torch.sigmoid($x) * $x"],
  replace: "nn.silu($x)",
});

// A pass: `torch.cuda.is_available()` is False on a Mac; the pass replaces the call (the translator would
// otherwise leave it untranslated) and counts how many it replaced in a construct record.
const noCuda = definePass({
  name: "no-cuda",
  before: "layout-nhwc",
  run(mod, ctx) {
    for (const call of mod.root.descendantsOfType("call")) {
      const fn = call.childForFieldName("function");
      if (fn?.text !== "torch.cuda.is_available" || mod.aliases.get("torch") !== "torch") continue;
      ctx.rewrites.set(nodeKey(call), { text: "False", value: "other", rule: "no-cuda" });
    }
  },
});

export default definePlugin({ name: "my-plugin", rules: [siluByHand], passes: [noCuda] });
