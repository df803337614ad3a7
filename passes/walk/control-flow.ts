/**
 * Branches and loops in the function-body walk: each branch walked from the environment before it and the
 * environments joined (a tensor whose layout differs between branches is converted where it is defined, or
 * where its branch leaves); a loop body walked twice so loop-carried values agree.
 */
import type { SyntaxNode } from "../../grammar/python.js";
import { isIdentity, unknownRank, samePerm, type Perm, type TensorType } from "../../ir/tensor.js";
import { elementOf } from "../module-tree.js";
import { targetValues } from "../loop-values.js";
import { isSequential, selfSequential, sequentialItems } from "../sequential-access.js";
import { selfAttribute } from "../unnamed-attrs.js";
import { firstCallOf, loopTargets, selfAttributeName, statementOf } from "../loop-targets.js";
import { blockExit, conversionAtExit, dropConversionsWithin, loopTargetNames, type BranchExit } from "../branch-exits.js";
import type { Val } from "./types.js";
import { iterElement, joinedList, joinedTensor, moduleElement, tensorOrNone } from "./values.js";
import { itemOf, joinItems } from "./list-growth.js";
import { vetoFlat } from "./layout-conversion.js";
import { call } from "./calls.js";
import { expr } from "./expressions.js";
import { conditionText } from "./truth-tests.js";
import type { WalkState } from "./state.js";
import { block } from "./statements.js";
import { boundBeforeRead, readAfter } from "./names-after.js";
import { hostVal, isHost } from "./host-values.js";

export function ifStatement(w: WalkState, s: SyntaxNode): void {
  const cond = s.childForFieldName("condition")!;
  w.overwrite(cond, conditionText(w, cond));
  const before = new Map(w.env);
  const branches: Map<string, Val>[] = [];
  const exits: (BranchExit | undefined)[] = [];
  block(w, s.childForFieldName("consequence")!);
  branches.push(w.env);
  exits.push(blockExit(s.childForFieldName("consequence")));
  let hasElse = false;
  for (const alt of s.childrenForFieldName("alternative")) {
    w.env = new Map(before);
    const c = alt.childForFieldName("condition");
    if (c) w.overwrite(c, conditionText(w, c));
    else hasElse = true;
    const body = alt.childForFieldName("body") ?? alt.childForFieldName("consequence");
    if (body) block(w, body);
    branches.push(w.env);
    exits.push(blockExit(body));
  }
  if (!hasElse) branches.push(before);
  w.env = join(w, branches, exits, true, undefined, (name) => readAfter(w.fn, s, name));
}

/** Joins branch environments; a tensor whose layout differs between branches is converted at its definitions. */
function join(
  w: WalkState,
  envs: Map<string, Val>[],
  branchExits: (BranchExit | undefined)[] = [],
  branchesOfIf = false,
  rebound?: ReadonlySet<string>,
  live: (name: string) => boolean = () => true,
): Map<string, Val> {
  const out = new Map(envs[0]);
  for (const [name, v0] of envs[0]) {
    // a loop's target is bound afresh each iteration: nothing of it is carried in or around
    const exits = rebound?.has(name) ? [] : branchExits;
    // most names hold the same value in every branch (the branches started from one environment)
    let same = true;
    for (let i = 1; i < envs.length && same; i++) same = envs[i].get(name) === v0;
    if (same) {
      if (v0.k === "tensor") out.set(name, joinedTensor(v0));
      continue;
    }
    const vs = envs.map((e) => e.get(name));
    if (vs.some((v) => v === undefined)) continue;
    // a tensor in some branches, None in others (`state = None` before a loop that sets it: GLPN's decoder): one
    // tensor that may be None, whose conversion at a use is guarded (layout-conversion.ts); tensors in several layouts
    // go to torch's where they are defined
    if (vs.some((v) => v!.k === "none") && vs.every((v) => v!.k === "none" || v!.k === "tensor") && vs.some((v) => v!.k === "tensor")) {
      const tensors = vs.filter((v) => v!.k === "tensor") as Extract<Val, { k: "tensor" }>[];
      if (tensors.every((t) => t === tensors[0] || (samePerm(t.t.perm, tensors[0].t.perm) && t.def === tensors[0].def))) out.set(name, tensorOrNone(tensors[0]));
      else {
        for (const t of tensors) inTorchLayoutAtDef(w, t);
        out.set(name, { k: "tensor", t: { kind: "tensor" }, maybeNone: true });
      }
      continue;
    }
    // a tensor in some branches, a number in others (`out = 0`, then `out = conv(x)` under an if): a use cannot
    // transpose it (an int has no .transpose), so the tensors go to torch's layout where they are defined
    if (vs.some((v) => v!.k === "num") && vs.some((v) => v!.k === "tensor")) {
      for (const v of vs) if (v!.k === "tensor") inTorchLayoutAtDef(w, v!);
      out.set(name, { k: "tensor", t: { kind: "tensor" } });
      continue;
    }
    // a list parameter or a fresh one (`if children is None: children = []`): one list of what either holds
    if (vs.every((v) => v!.k === "list")) {
      const joined = joinedList(vs as Extract<Val, { k: "list" }>[]);
      // items held in different layouts by different branches are brought to one (list-growth.ts)
      const held = (vs as Extract<Val, { k: "list" }>[]).flatMap((l) => [...(l.items ?? []), ...(l.elem ? [l.elem] : [])]);
      const agree = !live(name) || !w.stmt || joined.k !== "list" || !joined.elem;
      out.set(name, agree ? joined : { k: "list", items: null, elem: joinItems(w, held, w.stmt!) });
      continue;
    }
    if (v0.k === "tensor" && vs.every((v) => v!.k === "tensor")) {
      const tensors = vs as { k: "tensor"; t: TensorType; def?: string }[];
      // nothing reads it after the branches (./names-after.ts): no layout to agree on, none to decide
      if (tensors.some((t) => !samePerm(t.t.perm, v0.t.perm)) && !live(name)) {
        out.set(name, { k: "tensor", t: { kind: "tensor" } });
        continue;
      }
      if (tensors.some((t) => t.t.flatFrom?.key !== v0.t.flatFrom?.key)) for (const t of tensors) vetoFlat(w, { v: t, text: "" });
      if (tensors.every((t) => samePerm(t.t.perm, v0.t.perm))) {
        const joined: Extract<Val, { k: "tensor" }> = { k: "tensor", t: { ...v0.t, spatialOne: tensors.every((t) => t.t.spatialOne) }, def: v0.def };
        // a parameter merely presumed a tensor in every branch stays so (an init function's `module` under nested ifs
        // is still maybe a layer: `module.bias is not None` asks the layer; transformers' Hubert _init_weights)
        if ((vs as Val[]).every((v) => v.k === "tensor" && v.assumed)) joined.assumed = true;
        out.set(name, joined);
        continue;
      }
      // branches that leave tensors of different ranks (`if self.flatten: x = x.flatten(2).transpose(1, 2)`) meet
      // in torch's layout: one rank's permutation means nothing to the other
      const ranks = new Set(tensors.map((t) => (isIdentity(t.t.perm) ? t.t.rank : t.t.perm!.length)).filter((r) => r !== undefined));
      // a branch whose tensor has no known rank (an op on a module's input: a LayerNorm of it) may hold any rank: the
      // others' permutation cannot be put on it (transformers' ConvNextLayerNorm with data_format chosen at run time).
      // A parameter itself can take it: its callers convert what they pass, and a tensor of another rank fails there.
      // (At a loop's back edge the value carried in is the one the loop converts: the loop's own result.) Only where
      // every permuted branch can go back to torch's layout: a value decided channels-last that no exit can convert
      // (a parameter carried past an if without else) keeps the others following it, as before.
      const movable = tensors.every((t, i) => isIdentity(t.t.perm) || (t.def && !w.decisions.has(t.def)) || exits[i]);
      const unknownBeside = branchesOfIf && movable && tensors.some((t) => unknownRank(t.t) && !t.def?.endsWith("@param"));
      if (ranks.size > 1 || unknownBeside) {
        tensors.forEach((t, i) => {
          if (isIdentity(t.t.perm)) return;
          if (t.def && !w.decisions.has(t.def)) {
            w.decisions.set(t.def, { perm: undefined, rank: t.t.perm!.length });
            w.newDecision = true;
          } else convertAtExit(w, exits[i], name, t.t.perm, undefined, t.t.perm!.length);
        });
        out.set(name, { k: "tensor", t: { kind: "tensor" } });
        continue;
      }
      // prefer the channels-last layout (a conv produced it); convert the others where they were defined. A branch
      // that can move neither (its definition decided, no exit to convert at: the fall-through of an if without
      // else, as EfficientNet's skip `if self.has_skip: ... out = out + x`) decides the layout for all: a target
      // it cannot reach would leave it in one layout while the joined value claims another
      const preferred = tensors.find((t) => !isIdentity(t.t.perm))!;
      // (a decision this walk made after the value was bound moves it in the next walk: not fixed yet)
      const settled = (t: (typeof tensors)[number]) => !t.def || (w.decisions.has(t.def) && samePerm(w.decisions.get(t.def)!.perm, t.t.perm));
      const fixed = tensors.find((t, i) => !samePerm(t.t.perm, preferred.t.perm) && settled(t) && !exits[i]);
      const target = fixed ?? preferred;
      const rankOf = (t: (typeof tensors)[number]) => (isIdentity(target.t.perm) ? t.t.perm!.length : target.t.perm!.length);
      tensors.forEach((t, i) => {
        if (samePerm(t.t.perm, target.t.perm)) return;
        if (t.def && !w.decisions.has(t.def)) {
          w.decisions.set(t.def, { perm: target.t.perm, rank: isIdentity(target.t.perm) ? rankOf(t) : (target.t.rank ?? rankOf(t)) });
          w.newDecision = true;
        } else convertAtExit(w, exits[i], name, t.t.perm, target.t.perm, rankOf(t));
      });
      out.set(name, target);
    }
  }
  // a numpy value in any branch may be one after them: its conversion where it meets MLX does nothing to any other
  // value (./host-values.ts)
  for (const [name, v] of out) if (v.k === "tensor" && !v.host && envs.some((e) => isHost(e.get(name) ?? { k: "other" }))) out.set(name, hostVal(v));
  return out;
}

/** A branch's value whose definition cannot move to the joined layout is converted where the branch leaves (passes/branch-exits.ts). */
function convertAtExit(w: WalkState, exit: BranchExit | undefined, name: string, from: Perm | undefined, to: Perm | undefined, rank: number): void {
  if (!exit) return;
  const { key, insert } = conversionAtExit(w.ctx.mod.source, exit, name, from, to, rank);
  w.countTranspose();
  w.inserts.set(key, insert);
}

/** Decides torch's layout for a tensor where it is defined, unless it is there already or another layout was decided. */
function inTorchLayoutAtDef(w: WalkState, v: Val): void {
  if (v.k !== "tensor" || isIdentity(v.t.perm) || !v.def || w.decisions.has(v.def)) return;
  w.decisions.set(v.def, { perm: undefined, rank: v.t.perm!.length });
  w.newDecision = true;
}

export function forStatement(w: WalkState, s: SyntaxNode): void {
  const right = s.childForFieldName("right")!;
  const g = expr(w, right);
  const seq = g.v.k === "module" && isSequential(g.v.m) ? g.v.m : right.text === "self" ? selfSequential(w.cls) : undefined;
  w.overwrite(right, seq ? sequentialItems(g.text, seq) : g.text);
  const left = s.childForFieldName("left")!;
  // `for mod in self` in a Sequential subclass (torchvision's ASPPPooling) iterates self's items, as `self.layers` would
  const iterated: Val = seq && g.v.k !== "module" ? { k: "module", m: seq } : g.v;
  const bound = targetValues(left, itemOf(w, iterated, right));
  for (const [name, v] of bound) w.env.set(name, v);
  // a module container's elements unpacked where c2m cannot take them apart: a called target gets torch's layout
  if (iterated.k === "module" && left.type !== "identifier") {
    for (const [name, v] of bound) {
      const called = v.k === "other" ? firstCallOf(s.childForFieldName("body")!, name) : undefined;
      const message = `${name} is unpacked from the elements of ${right.text}, which c2m cannot take apart: ${name}(…) gets torch's layout, which a module that takes channels-last (a conv) misreads`;
      if (called) w.pending.push({ code: "C2M-W045", node: called, stmt: statementOf(called), message });
    }
  }
  bindLoopModules(w, left, right, s.childForFieldName("body")!);
  loopBody(w, s.childForFieldName("body")!);
}

/**
 * `for conv, norm in zip(self.convs, self.norms)`, `for i, layer in enumerate(self.features)`: each target holds
 * its container's element (passes/loop-targets.ts); a called target from an attribute c2m cannot type is C2M-W045.
 */
export function bindLoopModules(w: WalkState, left: SyntaxNode, right: SyntaxNode, body: SyntaxNode): void {
  const targets = w.cls && loopTargets(left, right);
  if (!targets) return;
  for (const { name, source } of targets) {
    if (!source) continue;
    const attr = selfAttributeName(source);
    const m = attr !== undefined ? selfAttribute(w.cls!, attr, w.ctx.mod.aliases) : undefined;
    const local = source.type === "identifier" ? w.env.get(source.text) : undefined;
    const container = m && m.k !== "param" && m.k !== "buffer" && m.k !== "value" ? m : local?.k === "module" ? local.m : undefined;
    // a plain `for m in xs` already took xs's element (iterElement); a zipped local gives its element as that loop would
    if (container && left.type !== "identifier") w.env.set(name, { k: "module", m: moduleElement(container) });
    else if (local && left.type !== "identifier") w.env.set(name, iterElement(local, source));
    else if (!container && attr !== undefined && w.env.get(name)?.k === "other") {
      const call = firstCallOf(body, name);
      const text = `${name} comes from self.${attr}, which c2m cannot type: ${name}(…) gets torch's layout, which a module that takes channels-last (a conv) misreads`;
      // the marker goes on the call's own line, not at the end of the loop
      if (call) w.pending.push({ code: "C2M-W045", node: call, stmt: statementOf(call), message: text });
    }
  }
}

/** A loop body runs twice: the second time from the layouts the first left, so loop-carried values agree. */
export function loopBody(w: WalkState, body: SyntaxNode): void {
  const before = new Map(w.env);
  // a value the body leaves is converted after its last statement; one carried in, before the loop
  const exits = [blockExit(body), { before: body.parent! }];
  const targets = loopTargetNames(body.parent!);
  // a name the body binds before reading it, read nowhere after the loop: what it holds needs no one layout
  const fresh = boundBeforeRead(body);
  const live = (name: string) => !fresh.has(name) || readAfter(w.fn, body.parent!, name);
  block(w, body);
  w.env = join(w, [w.env, before], exits, false, targets, live);
  // the second walk decides the conversions again, from the layouts the first left
  dropConversionsWithin(w.inserts, body.parent!);
  block(w, body);
  w.env = join(w, [w.env, before], exits, false, targets, live);
}
