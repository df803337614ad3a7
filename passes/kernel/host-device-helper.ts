import type { HostFunction, KernelUnit } from "../../ir/kernel.js";
import { field } from "./cst.js";

/**
 * A `__host__ __device__` function (torch-ngp's `template <typename T> inline __host__ __device__ T div_round_up(T val, T divisor)`)
 * is a host helper too: seen as one, its parameters typed as written (a template parameter counts as an integer, as
 * `helper` types every parameter that is not float or double).
 */
export function hostDeviceHelper(unit: KernelUnit, name: string): HostFunction | undefined {
  const f = unit.deviceFunctions.find((d) => d.name === name && d.qualifiers.includes("__host__"));
  if (!f) return undefined;
  return {
    name,
    params: f.params.map((p) => ({ name: p.name, type: field(p.node, "type")?.text ?? "int" })),
    returnType: "",
    body: f.body,
    node: f.node,
    pybind: false,
    torch: false,
  };
}
