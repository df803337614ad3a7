/**
 * Libraries that import torch themselves: a port that imports them still needs torch. A top-level name
 * (`accelerate`) stands for the whole library; a dotted one (`safetensors.torch`) for that module only.
 */
export const TORCH_LIBRARIES: ReadonlySet<string> = new Set([
  "torch",
  "torchvision",
  "torchaudio",
  "torchtext",
  "functorch",
  "timm",
  "transformers",
  "diffusers",
  "accelerate",
  "triton",
  "xformers",
  "flash_attn",
  "apex",
  "fairscale",
  "pytorch_lightning",
  "lightning",
  "torchmetrics",
  "peft",
  "deepspeed",
  "safetensors.torch",
]);

/** Whether importing `module` (dotted) loads torch. */
export function needsTorch(module: string): boolean {
  return TORCH_LIBRARIES.has(module.split(".")[0]) || [...TORCH_LIBRARIES].some((lib) => lib.includes(".") && (module === lib || module.startsWith(`${lib}.`)));
}
