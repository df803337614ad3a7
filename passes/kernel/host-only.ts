/**
 * Host-only library calls in device code (C2M-K018): a kernel, or a device function it reaches, that
 * calls the C library's process, file or environment functions (`system`, `popen`, `fork`, `fopen`,
 * `getenv`, ...). nvcc rejects them in device code and Metal has nothing like them; c2m refuses the
 * kernel, so `--verify` never compiles or runs such a call. Pure: reads the unit, reports diagnostics.
 */
import type { KernelUnit, KFunction } from "../../ir/kernel.js";
import type { DiagnosticBag } from "../../ir/diagnostics.js";
import { reportKernel } from "../../ir/kernel-diagnostics.js";
import { calleeName, field, position, walk } from "./cst.js";
import { reachableDeclarations } from "./extract.js";
import { nameTable } from "../../ir/tables.js";

/** What each host-only function does, for the message. Data, not code: add a row to cover a name. */
const HOST_ONLY_FUNCTIONS: Record<string, string> = nameTable({
  system: "runs a shell command",
  popen: "runs a shell command",
  pclose: "waits for a shell command",
  fork: "starts a process",
  vfork: "starts a process",
  execl: "replaces the process",
  execlp: "replaces the process",
  execle: "replaces the process",
  execv: "replaces the process",
  execvp: "replaces the process",
  execvpe: "replaces the process",
  execve: "replaces the process",
  posix_spawn: "starts a process",
  posix_spawnp: "starts a process",
  dlopen: "loads a shared library",
  syscall: "makes a system call",
  fopen: "opens a file",
  freopen: "opens a file",
  fdopen: "opens a file",
  open: "opens a file",
  creat: "creates a file",
  remove: "deletes a file",
  unlink: "deletes a file",
  rename: "renames a file",
  getenv: "reads the environment",
  setenv: "changes the environment",
  exit: "ends the process",
  kill: "signals a process",
  socket: "opens a network socket",
  connect: "opens a network connection",
});

/** Reports each host-only call in the kernel and the device functions it reaches; returns whether there was one. */
export function reportHostOnlyCalls(unit: KernelUnit, kernel: KFunction, bag: DiagnosticBag): boolean {
  const own = new Set(unit.deviceFunctions.map((f) => f.name));
  const reached = reachableDeclarations(unit, kernel);
  const functions = [kernel, ...unit.deviceFunctions.filter((f) => reached.has(f.name))];
  let found = false;
  for (const f of functions) {
    walk(f.body, (n) => {
      if (n.type !== "call_expression") return;
      const name = (calleeName(n) ?? field(n, "function")?.text ?? "").replace(/^(::|std::)+/, "");
      const what = Object.hasOwn(HOST_ONLY_FUNCTIONS, name) && !own.has(name) ? HOST_ONLY_FUNCTIONS[name] : undefined;
      if (!what) return;
      found = true;
      reportKernel(
        bag,
        "C2M-K018",
        position(n),
        `'${name}' ${what}: a host-only library function, called from device code${f === kernel ? "" : ` (in ${f.name}, reached from kernel ${kernel.name})`}`,
      );
    });
  }
  return found;
}
