/**
 * Buffers handed to a struct's member function (C2M-K002) that stayed one: a static member that names nothing of
 * its struct but the template parameters became a free function first (static-members.ts: pytorch_scatter's
 * `Reducer<scalar_t, REDUCE>::write(out_data + row_idx, ...)`); one reading a data member, a nested type or the
 * object did not. The buffer analysis (buffers.ts) follows `__device__` functions, not a struct's members, so
 * such a buffer would look unwritten (an input, its writes lost) and the member's pointer parameters would have
 * no Metal address space. c2m refuses the kernel at the call, naming the member, rather than translate it wrong.
 * A pointer parameter the member declares `const` is only read through, which the analysis already takes
 * (reads are the default), and is not refused. Pure: reads the unit, reports diagnostics.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import type { KernelUnit, KFunction } from "../../ir/kernel.js";
import type { DiagnosticBag } from "../../ir/diagnostics.js";
import { reportKernel } from "../../ir/kernel-diagnostics.js";
import { callArgs, field, fields, kids, position, walk } from "./cst.js";
import { reachableDeclarations, templateBase } from "./extract.js";
import { rootOf } from "./buffers.js";

/** Reports each such call in the kernel and the device functions it reaches; returns whether there was one. */
export function reportMemberPointerCalls(unit: KernelUnit, kernel: KFunction, bag: DiagnosticBag): boolean {
  if (!unit.structs.length) return false;
  const reached = reachableDeclarations(unit, kernel);
  const functions = [kernel, ...unit.deviceFunctions.filter((f) => reached.has(f.name))];
  let found = false;
  for (const f of functions) {
    const scope = { params: new Set(f.params.filter((p) => p.type.kind === "pointer").map((p) => p.name)), shared: new Set<string>(), aliases: new Map() };
    walk(f.body, (n) => {
      if (n.type !== "call_expression") return;
      const fn = field(n, "function");
      if (fn?.type !== "qualified_identifier") return;
      const parts = fn.text.replace(/\s+/g, "").split("::");
      const member = parts.pop()!;
      const owner = templateBase(parts.pop() ?? "");
      const struct = unit.structs.find((s) => templateBase(s.name) === owner);
      if (!struct) return;
      const args = callArgs(n);
      const methods = memberFunctions(struct.node, member).filter((m) => parameterList(m).length >= args.length);
      args.forEach((arg, i) => {
        const root = rootOf(arg, scope);
        if (root?.kind !== "param") return;
        const writable = methods.filter((m) => writablePointer(parameterList(m)[i]));
        if (!writable.length || found) return;
        found = true;
        reportKernel(
          bag,
          "C2M-K002",
          position(arg),
          `'${arg.text}' (buffer '${root.name}') is passed to '${fn.text}', a member function of struct '${owner}' that takes it as a pointer it may write through ('${writable[0]!.text.split("{")[0]!.replace(/\s+/g, " ").trim()}'): c2m follows buffers into __device__ functions, not into a struct's members, so it cannot tell which elements are written`,
          "make the member a __device__ function of the file (a template over the struct's parameters), which c2m follows and translates",
        );
      });
    });
  }
  return found;
}

/** A struct's member function definitions of a name (also inside a template declaration). */
function memberFunctions(struct: CudaNode, name: string): CudaNode[] {
  const out: CudaNode[] = [];
  walk(struct, (n) => {
    if (n.type !== "function_definition") return;
    const d = field(n, "declarator");
    const id = d && field(d, "declarator");
    if (id?.text === name) out.push(n);
    return false;
  });
  return out;
}

function parameterList(def: CudaNode): CudaNode[] {
  const params = field(field(def, "declarator")!, "parameters");
  return params ? kids(params).filter((c) => c.type === "parameter_declaration" || c.type === "optional_parameter_declaration") : [];
}

/** `scalar_t *address`: a pointer parameter not declared const. */
function writablePointer(p: CudaNode | undefined): boolean {
  if (!p) return false;
  const decl = fields(p, "declarator")[0];
  if (!decl || !/^\s*\*/.test(decl.text)) return false;
  return !/\bconst\b/.test(p.text.slice(0, decl.startIndex - p.startIndex));
}
