/**
 * The device code of a corpus file, for running its CUDA original on the emulator and on the GPU:
 * the preprocessed source (includes inlined, conditionals decided) keeping only the kernels a spec
 * launches and the top-level declarations they reach by name (device functions, structs, typedefs,
 * templates); host functions, other kernels, file-scope host state (`cublasHandle_t h;`) and the
 * angle-bracket includes the emulator's stubs and the C++ standard library do not provide are blanked.
 * Macros stay. Lines keep their numbers.
 *
 * A stopgap from before `--verify` cut device code itself (src/verify/device-code.ts, which does the same job
 * for every verify): the corpus's GPU recordings were made from this cut, so it stays until they are recorded
 * again from device-code.ts's; then this file goes.
 */
import { parseCuda, type CudaNode } from "../grammar/cuda.js";
import { declaratorName, field, fields, named, qualifierWords } from "../passes/kernel/cst.js";

const KEPT_INCLUDES =
  /^(cuda|cuda_runtime|cuda_runtime_api|cuda_fp16|cuda_bf16|device_launch_parameters|cooperative_groups|cooperative_groups\/reduce|std\w*\.h|math\.h|float\.h|limits\.h|assert\.h|string\.h|c[a-z]+|vector|algorithm|limits|type_traits|utility|array|tuple|glm\/[\w/]+\.hpp|cub\/cub\.cuh|cub\/block\/block_(?:load|store|reduce)\.cuh)(\.h)?$/;

/** The names a top-level item defines (a function, a struct, a typedef, variables). */
function definedNames(n: CudaNode): string[] {
  const inner = n.type === "template_declaration" ? (named(n).find((x) => x.type !== "template_parameter_list") ?? n) : n;
  if (inner.type === "function_definition") {
    const d = field(inner, "declarator");
    const name = d ? declaratorName(d) : undefined;
    return name ? [name.replace(/^.*::/, "")] : [];
  }
  // `using reduction_func_t = float (*)(float);` (llm.c's common.h): its name is the `name` field
  if (inner.type === "alias_declaration") return [field(inner, "name")?.text ?? ""].filter(Boolean);
  const names: string[] = [];
  const spec = ["struct_specifier", "class_specifier", "union_specifier", "enum_specifier"].includes(inner.type) ? inner : field(inner, "type");
  const sname = spec && /_specifier$/.test(spec.type) ? field(spec, "name")?.text : undefined;
  // an explicit specialisation (`template <> struct SharedMemory<float>`) is reached by its template's name
  if (sname) names.push(sname.replace(/\s*<[\s\S]*$/, ""));
  for (const d of fields(inner, "declarator")) {
    const v = declaratorName(d);
    if (v) names.push(v);
  }
  return names;
}

export function deviceOnlySource(source: string, keep: Set<string>): string {
  const chars = source.split("");
  const blank = (n: CudaNode) => {
    for (let i = n.startIndex; i < n.endIndex; i++) if (chars[i] !== "\n") chars[i] = " ";
  };
  const items: { node: CudaNode; names: string[] }[] = [];
  const visit = (n: CudaNode) => {
    for (const c of named(n)) {
      if (c.type === "preproc_include") {
        const m = /<([^>]+)>/.exec(c.text);
        if (m && !KEPT_INCLUDES.test(m[1]!)) blank(c);
        // a quoted include still here (not a CUDA header) is one the preprocessor did not find (gsplat's Cameras.h,
        // not in the corpus): what the kernels reach was inlined, so it is host code the emulator builds without
        const quoted = /"([^"]+)"/.exec(c.text);
        if (!m && quoted && !KEPT_INCLUDES.test(quoted[1]!)) blank(c);
      } else if (c.type === "template_instantiation")
        blank(c); // `template void reduce<int>(...);` of a host template
      else if (c.type === "linkage_specification" && field(c, "body")?.type !== "declaration_list")
        // `extern "C" bool isPow2(unsigned);`: one item, kept or blanked with its `extern "C"` (a lone one
        // left behind would bind to whatever follows: a template, which C linkage forbids)
        items.push({ node: c, names: definedNames(field(c, "body")!) });
      else if (["namespace_definition", "declaration_list", "linkage_specification", "preproc_if", "preproc_ifdef", "preproc_else"].includes(c.type)) visit(c);
      else if (
        [
          "function_definition",
          "template_declaration",
          "declaration",
          "type_definition",
          "struct_specifier",
          "class_specifier",
          "union_specifier",
          "enum_specifier",
          "alias_declaration",
        ].includes(c.type)
      )
        items.push({ node: c, names: definedNames(c) });
    }
  };
  visit(parseCuda(source).rootNode);
  // a host function never stays, also one named like a kernel (llm.c's launchers overload the kernel's name)
  const host = (item: CudaNode) => {
    const n = item.type === "linkage_specification" ? field(item, "body")! : item;
    const fn = n.type === "template_declaration" ? named(n).find((x) => x.type === "function_definition") : n.type === "function_definition" ? n : undefined;
    // a constexpr function is callable in device code's constant expressions (causal-conv1d's constexpr_min)
    return !!fn && !/__global__|__device__|constexpr/.test(qualifierWords(fn).join(" "));
  };
  for (const it of items) if (host(it.node)) it.names = [];
  // reach from the kept kernels by identifier, as the translator's reachableDeclarations does
  const byName = new Map<string, CudaNode[]>();
  for (const it of items) for (const n of it.names) byName.set(n, [...(byName.get(n) ?? []), it.node]);
  const reached = new Set<CudaNode>();
  const queue = items.filter((it) => it.names.some((n) => keep.has(n))).map((it) => it.node);
  while (queue.length) {
    const n = queue.pop()!;
    if (reached.has(n)) continue;
    reached.add(n);
    for (const id of new Set(n.text.match(/[A-Za-z_]\w*/g) ?? [])) for (const d of byName.get(id) ?? []) if (!reached.has(d)) queue.push(d);
  }
  for (const it of items) if (!reached.has(it.node)) blank(it.node);
  return chars.join("");
}
