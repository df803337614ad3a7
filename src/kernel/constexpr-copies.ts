/**
 * `if constexpr` copies of a kernel (passes/kernel/constexpr-if.ts) joined again under the kernel's name in
 * compileKernels' result.
 */
import type { specialiseConstexprIf } from "../../passes/kernel/constexpr-if.js";
import { pyName } from "../../passes/kernel/host.js";
import type { CompileKernelsResult } from "./index.js";

/**
 * The copies of a kernel specialised on `if constexpr` (passes/kernel/constexpr-if.ts) under the kernel's name
 * again: each compiled copy says which template values it holds (`constexprWhen`), a kernel is translated
 * only when every copy is, the diagnostics name the kernel once, and the module gains the kernel's
 * function, which calls the copy for the template values it is given.
 */
export function mergeConstexprCopies(r: Omit<CompileKernelsResult, "source">, copies: ReturnType<typeof specialiseConstexprIf>["copies"]): Omit<CompileKernelsResult, "source"> {
  if (!copies.size) return r;
  const rename = (text: string) => text.replace(/\b(\w+)__c2m_\w+?(?=\W|$)/g, (m, k: string) => ([...copies.values()].some((c) => c.kernel === k) && copies.has(m) ? k : m));
  const refused = new Map<string, CompileKernelsResult["refused"][number]>();
  for (const x of r.refused) {
    const name = copies.get(x.name)?.kernel ?? x.name;
    if (!refused.has(name)) refused.set(name, { name, diagnostic: { ...x.diagnostic, message: rename(x.diagnostic.message) } });
  }
  const kernels = r.kernels
    .map((k) => (copies.has(k.name) ? { ...k, name: copies.get(k.name)!.kernel, constexprWhen: copies.get(k.name)!.when } : k))
    .filter((k) => !refused.has(k.name));
  const seen = new Set<string>();
  const diagnostics = r.diagnostics
    .map((d) => ({ ...d, message: rename(d.message) }))
    .filter((d) => {
      const key = `${d.code}:${d.line}:${d.col}:${d.message}`;
      return !seen.has(key) && !!seen.add(key);
    });
  const kernelsCopied = new Map<string, [string, Record<string, boolean>][]>();
  for (const [copy, c] of copies) kernelsCopied.set(c.kernel, [...(kernelsCopied.get(c.kernel) ?? []), [copy, c.when]]);
  const dispatchers = [...kernelsCopied].map(([kernel, cs]) => constexprDispatcher(kernel, cs));
  return { ...r, kernels, refused: [...refused.values()], diagnostics, python: r.python ? `${r.python.trimEnd()}\n\n\n${dispatchers.join("\n\n\n")}\n` : r.python };
}

/** The kernel's Python function: the copy for the template values given (each copy takes them too). */
function constexprDispatcher(kernel: string, copies: [string, Record<string, boolean>][]): string {
  const params = Object.keys(copies[0]![1]);
  const lines = [
    `def ${pyName(kernel)}(*args, **kwargs):`,
    `    """CUDA: ${kernel}, which branches with \`if constexpr\` on ${params.join(", ")}: c2m translated one kernel per value; this calls the one for the values given."""`,
  ];
  for (const [copy, when] of copies) {
    const test = Object.entries(when)
      .map(([p, v]) => `${v ? "" : "not "}kwargs["${p}"]`)
      .join(" and ");
    lines.push(`    if ${test}:`, `        return ${pyName(copy)}(*args, **kwargs)`);
  }
  lines.push(`    raise ValueError("${kernel}: no translation for these template values")`);
  return lines.join("\n");
}
