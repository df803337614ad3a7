/**
 * A non-persistent buffer is private in MLX (`self._position_ids`: MLX's Module leaves names starting with `_` out
 * of its parameters, as torch leaves the buffer out of its state dict). Inside its class every use is renamed; code
 * outside the class may still read it by torch's name (transformers' `_init_weights(module)` does
 * `init.copy_(module.position_ids, ...)`). Where the file reads the name on an object other than `self`, the class
 * gets a property under torch's name that reads the private attribute (an in-place write through it reaches the
 * array) and writes it (an assignment by torch's name stays private, no parameter: a subclass in another file sets
 * `self.gradient_checkpointing = False` where transformers' PreTrainedModel keeps it as run-time state).
 */
import type MagicString from "magic-string";
import { namedChildren } from "../grammar/python.js";
import type { ModuleIR } from "../ir/module.js";
import { RUNTIME_STATE } from "../passes/runtime-state.js";

export function aliasPrivateBuffers(s: MagicString, mod: ModuleIR): void {
  let readOnOthers: Set<string> | undefined;
  for (const cls of mod.classes.values()) {
    if (!cls.privateBuffers.size) continue;
    readOnOthers ??= attributesReadOnOtherObjects(mod.source);
    const runtime = RUNTIME_STATE.get(cls);
    const read = [...cls.privateBuffers].filter((name) => runtime?.has(name) || readOnOthers!.has(name)).sort();
    if (!read.length) continue;
    const body = cls.node.childForFieldName("body")!;
    const indent = " ".repeat(namedChildren(body)[0]?.startPosition.column ?? 4);
    const lines = read.map((name) => `${indent}${name} = property(lambda self: self._${name}, lambda self, value: setattr(self, "_${name}", value))`);
    s.appendLeft(body.endIndex, `\n\n${indent}# non-persistent buffers, private in MLX, under torch's names for code outside the class\n${lines.join("\n")}`);
  }
}

/** Every `.name` in the source not read on `self` (one scan of the file, however many classes and names ask). */
function attributesReadOnOtherObjects(source: string): Set<string> {
  const names = new Set<string>();
  for (const match of source.matchAll(/(?<!\bself)\.([A-Za-z_]\w*)/g)) names.add(match[1]);
  return names;
}
