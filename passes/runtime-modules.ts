/**
 * runtime-modules: a call of a module whose class c2m cannot tell (an attribute set from a constructor argument no
 * call site shows, a child of a ModuleDict filled from a model passed in: IntermediateLayerGetter's `module(x)`).
 * Its tensor goes in torch's layout through the `c2m_sequential` helper, which looks at the module's class at run
 * time: an MLX layer that takes channels-last (a conv, a norm, a pool) gets it, a Sequential runs its items so, any
 * other module (c2m's translated classes) keeps torch's layout; the result comes back in torch's layout. A class of
 * this package whose forward c2m translated to take channels-last would still get torch's layout: the warning says so.
 */

export const RUNTIME_MODULE_MESSAGE =
  "callee's class not known to c2m: the module held at run time decides the layout its input takes (c2m_sequential); a class of this package is given torch's layout";

/** The helper's arguments after the module: x in torch's layout, the result wanted in torch's layout, then the rest as given. */
export function runtimeModuleArgs(argsInTorchLayout: string[]): string {
  const [x, ...rest] = argsInTorchLayout;
  return [x, "False", "False", ...rest].join(", ");
}
