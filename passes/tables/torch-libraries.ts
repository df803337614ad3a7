/** Libraries that import torch themselves: a port that imports them still needs torch (top-level names, or a dotted module). */
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

/** Whether importing `module` imports a torch library. */
export const isTorchLibraryModule = (module: string): boolean => TORCH_LIBRARIES.has(module.split(".")[0]) || TORCH_LIBRARIES.has(module);
