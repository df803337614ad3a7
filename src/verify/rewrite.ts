// Source rewrites that let CUDA and Metal kernels compile as C++ for the emulator. Everything else
// is done by the emulation headers; these are the constructs a header cannot express:
//  - per-group memory declarations (`__shared__ float t[16][16];`, `threadgroup float t[256];`) become
//    references into the emulator's per-group, guard-paged storage;
//  - `kernel<<<grid, block, shmem, stream>>>(args)` becomes a call of the emulator's launcher;
//  - for PyTorch extension files, only the device code is kept (the torch headers are not here).

const TYPE = String.raw`((?:(?:const|volatile)\s+)*(?:typename\s+)?[A-Za-z_][\w:]*(?:\s*<[^;{}()]*?>)?(?:\s+(?:int|long|short|char|float|double))*)`;
const NAME = String.raw`([A-Za-z_]\w*)`;
const DIMS = String.raw`((?:\s*\[[^\]]+\])*)`;

let declCounter = 0;

function tgDecl(type: string, name: string, dims: string): string {
  const id = ++declCounter;
  const t = `__emu_tg_t_${name}_${id}`;
  return `typedef ${type} ${t}${dims}; ${t}& ${name} = *::emu::tg_alloc<${t}>(${id}, "${name}");`;
}

/** `threadgroup T name[...];` declarations → per-group storage. Pointers (`threadgroup T* p`) are left to the header. */
export function rewriteMetalThreadgroup(src: string): string {
  declCounter = 0;
  const re = new RegExp(String.raw`\bthreadgroup\s+${TYPE}\s+${NAME}\s*${DIMS}\s*;`, "g");
  return src.replace(re, (_m, type: string, name: string, dims: string) => tgDecl(type.trim(), name, dims.replace(/\s+/g, "")));
}

/** `__shared__` declarations → per-group storage; `extern __shared__ T name[];` → the launch's dynamic shared memory. */
export function rewriteCudaShared(src: string): string {
  declCounter = 0;
  // an array of pointers too (llm.c's layernorm: `extern __shared__ char* params[];`, carved up by hand)
  const ext = new RegExp(String.raw`\bextern\s+__shared__\s+(?:__align__\s*\(\s*\d+\s*\)\s+)?${TYPE}(\s*\*\s*|\s+)(?:__align__\s*\(\s*\d+\s*\)\s+)?${NAME}\s*\[\s*\]\s*;`, "g");
  // `extern float __shared__ smem[];` (qualifier after the type, as cuda-samples' threadFenceReduction has it) → the usual order
  const after = /\bextern\s+((?:unsigned\s+|signed\s+)?[A-Za-z_][\w:]*)\s+__shared__\b/g;
  let out = src.replace(after, "extern __shared__ $1").replace(ext, (_m, type0: string, star: string, name: string) => {
    const type = `${type0.trim()}${star.includes("*") ? "*" : ""}`;
    return `${type}* ${name} = ::emu::dyn_shared<${type}>();`;
  });
  // `__shared__ uint a, b[4];` → one declaration per name (on the same line, so lines keep their numbers)
  const several = new RegExp(
    String.raw`(?<!\bextern\s+)((?:\bvolatile\s+)?(?:\bstatic\s+)?\b__shared__\s+(?:__align__\s*\(\s*\d+\s*\)\s+)?${TYPE}\s+)(${NAME}${DIMS}(?:\s*,\s*${NAME}${DIMS})+)\s*;`,
    "g",
  );
  out = out.replace(several, (m, lead: string, _type: string, list: string) =>
    list
      .split(",")
      .map((d) => `${lead}${d.trim()};`)
      .join(" "),
  );
  const dec = new RegExp(String.raw`(?:\b(volatile)\s+)?(?:\bstatic\s+)?\b__shared__\s+(?:__align__\s*\(\s*\d+\s*\)\s+)?${TYPE}\s+${NAME}\s*${DIMS}\s*;`, "g");
  out = out.replace(dec, (_m, lead: string | undefined, type: string, name: string, dims: string) => {
    const d = dims.replace(/\s+/g, "");
    const elem = lead ? type.trim() : /^volatile\s+(.+)$/.exec(type.trim())?.[1];
    // a one-dimensional `volatile __shared__` array is stepped like a volatile pointer (see below)
    if (elem && /^\[[^\]]+\]$/.test(d)) return `${tgDecl(elem, `${name}_storage`, d)} ::emu::lockstep_ptr<${elem}> ${name}(${name}_storage);`;
    return tgDecl(`${lead ? "volatile " : ""}${type.trim()}`, name, d);
  });
  return rewriteVolatilePointers(out);
}

/**
 * `volatile T*` → `::emu::lockstep_ptr<T>`: warp-synchronous code on volatile memory relies on a warp
 * executing each access for all its lanes at once, which the emulator's fibers do only at a lockstep
 * point (cuda_emu.hpp). Pointers to pointers and `const volatile` are left as they are.
 */
export function rewriteVolatilePointers(src: string): string {
  return src.replace(/\bvolatile\s+((?:unsigned\s+|signed\s+)?[A-Za-z_]\w*)\s*\*(?!\s*\*)\s*/g, (m, type: string) => (type === "const" ? m : `::emu::lockstep_ptr<${type}> `));
}

/** `k<<<a, b[, c[, d]]>>>(` → `::emu::cuda::launch(k, a, b[, c[, d]])(`. */
export function rewriteCudaLaunches(src: string): string {
  const re = /([A-Za-z_][\w:]*(?:\s*<(?:[^<>;]|<[^<>;]*>)*>)?)\s*<<<([\s\S]*?)>>>\s*\(/g;
  return src.replace(re, (_m, kernel: string, cfg: string) => `::emu::cuda::launch(${kernel}, ${cfg.trim()})(`);
}

/** Blanks comments (keeping line breaks and string literals) so scanners need not care about them. */
export function stripComments(src: string): string {
  let out = "";
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    const n = src[i + 1];
    if (c === "/" && n === "/") {
      while (i < src.length && src[i] !== "\n") i++;
    } else if (c === "/" && n === "*") {
      i += 2;
      while (i < src.length && !(src[i] === "*" && src[i + 1] === "/")) {
        if (src[i] === "\n") out += "\n";
        i++;
      }
      i += 2;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === "\\" ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const HOST_ONLY = /\b(torch::|at::|c10::|PYBIND11_MODULE|TORCH_CHECK|AT_DISPATCH_|TORCH_LIBRARY|pybind11::|py::)/;
const HOST_INCLUDE = /^\s*#\s*include\s*[<"](torch|ATen|c10|pybind11|THC)\//;

/**
 * Keeps the device code of a CUDA file that also holds host code needing other headers (a PyTorch
 * extension): top-level declarations that mention torch/ATen/pybind11 are dropped, as are their
 * includes; kernels, device functions, macros and plain helpers stay.
 */
export function extractDeviceCode(src: string): string {
  const text = stripComments(src);
  const lines = text.split("\n");
  let pre = "";
  let body = "";
  for (const line of lines) {
    if (/^\s*#/.test(line)) {
      if (!HOST_INCLUDE.test(line)) pre += line + "\n";
      body += "\n";
    } else body += line + "\n";
  }
  // Split the rest into top-level items: each ends at a `;` or a closing `}` at depth 0.
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "{") depth++;
    else if (c === "}") {
      depth--;
      if (depth === 0) {
        let j = i + 1;
        while (j < body.length && /\s/.test(body[j]!)) j++;
        if (body[j] === ";") i = j;
        items.push(body.slice(start, i + 1));
        start = i + 1;
      }
    } else if (c === ";" && depth === 0) {
      items.push(body.slice(start, i + 1));
      start = i + 1;
    }
  }
  const kept = items.filter((it) => !HOST_ONLY.test(it));
  return pre + kept.join("\n") + "\n";
}
