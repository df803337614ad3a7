/**
 * Attribute reads and torch names in the function-body walk: `torch.x` names map to MLX's or become a
 * placeholder that raises when used; `self.x` is what the class holds (a module, a parameter, a value); a
 * tensor's .shape, .T, .data, .device; a layer's attributes; a torch layer class as a value.
 */
import { functionReference } from "../function-values.js";
import { evaluatedOnImport, inAnnotation, UNTRANSLATED_HELPER, untranslatedMessage, untranslatedValue } from "../untranslated.js";
import type { SyntaxNode } from "../../grammar/python.js";
import type { LayerMapping } from "../../ir/tables.js";
import { paren } from "../template-render.js";
import { isTabled, isTorch, qualify } from "../resolve-imports.js";
import { helpersFor, importsFor, TORCH_NAME_CAVEATS } from "../tables/torch-runtime.js";
import { layerValueClass } from "../layer-values.js";
import { registeredOp } from "../registered-ops.js";
import { heldLayerWeightView, torchWeightView } from "../layer-weight-views.js";
import { dtypeAttributeText, readsDtypeAttribute } from "../dtype-attrs.js";
import { deviceOfText, DEVICE_OF_HELPER, isAssignmentTarget, readsUnknownDevice } from "../device-attr.js";
import { DATA_OF_HELPER, dataOfText, readsUntypedData } from "../untyped-receivers.js";
import { isConfigValue } from "../config-values.js";
import { selfAttribute } from "../unnamed-attrs.js";
import { union } from "../module-values.js";
import type { ModVal } from "../../ir/module.js";
import { isNarrowedLayerParameter, LAYER_ATTR_CAVEATS, LAYER_ATTR_HELPER, layerAttrText, readsLayerAttr, type LayerAttrReceiver } from "../layer-attrs.js";
import { LAYER_BY_NAME, OP_BY_NAME, TORCH_NAMES } from "../tables/index.js";
import { layerClassName } from "./call-templates.js";
import { isTypeTest, rebuildOne } from "./source-text.js";
import type { Gen, Val } from "./types.js";
import { toLogical } from "./layout-conversion.js";
import type { WalkState } from "./state.js";
import { expr } from "./expressions.js";

export function attribute(w: WalkState, e: SyntaxNode): Gen {
  const obj = e.childForFieldName("object")!;
  const attr = e.childForFieldName("attribute")!.text;
  const q = qualify(e, w.ctx.mod.aliases);
  if (readsDtypeAttribute(e, w.fn, w.ctx.mod.aliases)) return { v: { k: "other" }, text: dtypeAttributeText(e, expr(w, obj).text) };
  if (q && isTabled(q)) {
    if (TORCH_NAMES[q]) return torchName(w, q, e);
    const registered = registeredOp(q, w.ctx.mod);
    if (registered) return { v: { k: "other" }, text: registered };
    const layer = LAYER_BY_NAME.get(q);
    if (layer) return layerValue(w, layer, e);
    const op = OP_BY_NAME.get(q);
    const ref = op ? functionReference(op, e.parent?.type === "call" && e.parent.childForFieldName("function")?.startIndex === e.startIndex) : undefined;
    if (ref) {
      for (const h of op!.helpers ?? []) w.ctx.helpers.add(h);
      return { v: { k: "other" }, text: ref };
    }
    if (evaluatedOnImport(e)) return untranslated(w, q, e);
    if (!isTorch(q)) {
      w.diag("C2M-E038", e, `${q} has no MLX translation`);
      return { v: { k: "other" }, text: e.text };
    }
    if (q.startsWith("torch.nn.")) {
      w.diag("C2M-W001", e, `torch name ${q} has no MLX mapping`);
      return { v: { k: "other" }, text: e.text };
    }
    w.diag("C2M-W002", e, `torch name ${q} has no MLX mapping`);
    return { v: { k: "other" }, text: e.text };
  }
  if (obj.type === "identifier" && obj.text === "self" && w.cls) {
    const m = selfAttribute(w.cls, attr, w.ctx.mod.aliases);
    const text = w.cls.privateBuffers.has(attr) ? `self._${attr}` : e.text;
    const view = isAssignmentTarget(e) ? undefined : torchWeightView(w.cls, w.fn, e, attr, text);
    if (view) return { v: { k: "tensor", t: { kind: "tensor" } }, text: view };
    if (!m) return { v: { k: "other" }, text };
    // a tensor a torch op made in __init__ (no buffer): stored in torch's layout, as every attribute is; an
    // elementwise op with a channels-last value meets it there (SwinIR's `x / self.img_range + self.mean`)
    if (m.k === "param" || m.k === "buffer" || (m.k === "value" && m.tensor)) return { v: { k: "tensor", t: { kind: "tensor" } }, text };
    // a config object's attributes (config-values.ts) are an object's, not a module's
    if (m.k === "value" || isConfigValue(m)) return { v: { k: "other" }, text };
    return { v: { k: "module", m }, text };
  }
  const o = expr(w, obj);
  if (readsUnknownDevice(attr, obj.text, o.v.k === "tensor" || o.v.k === "module" ? o.v.k : "other") && !isAssignmentTarget(e)) {
    w.ctx.helpers.add(DEVICE_OF_HELPER);
    return { v: { k: "other" }, text: deviceOfText(o.text) };
  }
  // a parameter merely presumed a tensor may be anything (a config namespace's `configs.data`): asked at run time too
  if (readsUntypedData(e, attr, obj.text, o.v.k === "tensor" && o.v.assumed ? "other" : o.v.k) && !isAssignmentTarget(e)) {
    w.ctx.helpers.add(DATA_OF_HELPER);
    return { v: { k: "other" }, text: dataOfText(o.text) };
  }
  if (readsLayerAttr(e, w.ctx.mod.aliases, layerAttrReceiver(w, o.v, attr))) {
    w.ctx.helpers.add(LAYER_ATTR_HELPER);
    const caveat = LAYER_ATTR_CAVEATS[attr];
    if (caveat) w.diag(caveat.code, e, caveat.message);
    return { v: { k: "other" }, text: layerAttrText(o.text, attr) };
  }
  const text = rebuildOne(e, obj, o.text);
  // `m.weight` of a layer an isinstance test narrowed: its array (`m.weight.data.normal_(...)` is then an assignment)
  if ((o.v.k !== "tensor" || o.v.assumed) && isNarrowedLayerParameter(e, w.ctx.mod.aliases)) return { v: { k: "tensor", t: { kind: "tensor" } }, text };
  if (o.v.k === "tensor") {
    if (attr === "shape") return { v: { k: "shape", t: o.v.t }, text };
    if (attr === "ndim") return { v: { k: "num" }, text };
    if (attr === "T" || attr === "mT") {
      const c = toLogical(w, o, obj);
      return { v: { k: "tensor", t: { kind: "tensor", rank: o.v.t.rank } }, text: `${paren(c.text)}.${attr === "T" ? "T" : "swapaxes(-1, -2)"}` };
    }
    // torch's autograd-free view of a tensor: an MLX array is already only its values
    if (attr === "data") return { v: o.v, text: o.text };
    // the array's device is MLX's default one (code reads its .type: DeviceType.cpu/gpu, never a torch backend name)
    if (attr === "device") return { v: { k: "other" }, text: "mx.default_device()" };
    if (attr === "is_cuda") return { v: { k: "other" }, text: "False" };
    return { v: { k: "other" }, text };
  }
  if (o.v.k === "module") {
    const m = o.v.m;
    // ModuleDict and nested submodules: `self.transformer.wte`; a child of one of several bare modules (`self.down[i].block`)
    const child = dictChild(m, attr);
    if (child) return { v: { k: "module", m: child }, text };
    if (m.k === "class") {
      const sub = (m.ext?.cls ?? w.ctx.mod.classes.get(m.name))?.attrs.get(attr);
      if (sub && (sub.k === "param" || sub.k === "buffer")) return { v: { k: "tensor", t: { kind: "tensor" } }, text };
      if (sub && sub.k !== "value") return { v: { k: "module", m: sub }, text };
    }
    // a held conv's weight read as a value is torch's view of it, the layout the code around it expects
    if (m.k === "layer" && (attr === "weight" || attr === "bias")) return { v: { k: "tensor", t: { kind: "tensor" } }, text: heldLayerWeightView(m.row, e, attr, text) ?? text };
  }
  return { v: { k: "other" }, text };
}

/**
 * The child `attr` of a ModuleDict or a bare module (both dicts of children in the module tree), or of any of several such
 * (the items of `self.down`, bare modules a loop filled differently): the union of what those holding it give.
 */
export function dictChild(m: ModVal, attr: string): ModVal | undefined {
  if (m.k === "dict") return m.entries?.get(attr) ?? m.elem;
  if (m.k !== "union" || !m.options.every((o) => o.k === "dict")) return undefined;
  const found = m.options.map((o) => dictChild(o, attr)).filter((v): v is ModVal => v !== undefined);
  return found.length ? union(found) : undefined;
}

/** What a layer-attribute read's receiver is known to be (passes/layer-attrs.ts). */
function layerAttrReceiver(w: WalkState, v: Val, attr: string): LayerAttrReceiver {
  if (v.k === "tensor") return v.assumed ? "other" : "no-layer";
  if (v.k === "shape" || v.k === "num" || v.k === "list" || v.k === "none") return "no-layer";
  if (v.k === "module" && v.m.k === "class" && (v.m.ext?.cls ?? w.ctx.mod.classes.get(v.m.name))?.attrs.has(attr)) return "own";
  return "other";
}

/**
 * A torch layer class as a value. In a type test (`isinstance(m, nn.Conv2d)`) it is MLX's class; anywhere
 * else it may be built later with torch's arguments (`act_layer(inplace=True)`): a class taking them.
 */
export function layerValue(w: WalkState, row: LayerMapping, e: SyntaxNode): Gen {
  const standIn = isTypeTest(e) ? undefined : layerValueClass(row, w.ctx.packageBoundaries);
  if (!standIn) return { v: { k: "other" }, text: layerClassName(row, w.ctx) };
  w.ctx.layerValues.set(standIn.name, standIn.source);
  for (const h of standIn.helpers) w.ctx.helpers.add(h);
  w.record("table", row.torch, e);
  return { v: { k: "other" }, text: standIn.name };
}

/** A torch name with no translation that runs on import: a placeholder that raises when used (passes/untranslated.ts). */
export function untranslated(w: WalkState, q: string, e: SyntaxNode): Gen {
  w.ctx.helpers.add(UNTRANSLATED_HELPER);
  // an annotation is never called: the placeholder there changes nothing a program does
  if (inAnnotation(e)) w.diag("C2M-W002", e, `torch name ${q} has no MLX mapping (the annotation is Untranslated(...))`);
  else w.diag("C2M-E050", e, untranslatedMessage(q));
  return { v: { k: "other" }, text: untranslatedValue(q, e) };
}

/** A torch value name (a dtype, the tensor type) as MLX's, with the import that name needs. */
export function torchName(w: WalkState, q: string, e: SyntaxNode): Gen {
  const text = TORCH_NAMES[q];
  const caveat = TORCH_NAME_CAVEATS[q];
  if (caveat) w.diag(caveat.code, e, caveat.message);
  for (const i of importsFor(text)) w.ctx.imports.add(i);
  for (const h of helpersFor(text)) w.ctx.helpers.add(h);
  w.record("table", q, e);
  return { v: { k: "other" }, text };
}
