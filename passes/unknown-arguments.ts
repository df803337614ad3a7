/**
 * unknown-arguments: a value the walker could not type (a model output's field: transformers' MobileViT passes
 * `encoder_outputs[0]` to its `conv_1x1_exp`) given to a module class of the file whose forward takes that argument in
 * a decided layout other than torch's (channels-last, its first use a convolution). The callee uses the argument as a
 * tensor, and a value that crosses a boundary c2m cannot see holds torch's layout (a class's result leaves in torch's
 * layout, c2m_sequential returns it so): the argument is taken for a tensor in torch's layout and converted, as a
 * channels-last layer's argument already is. Passed as it stood, it reached the convolution channels-first.
 *
 * Reads: the argument's kind and the layout the callee's signature wants. Writes: nothing.
 */
import { isIdentity, type Perm } from "../ir/tensor.js";

/** Whether an argument of kind `kind` ("other": not typed) goes to a parameter wanting `want` as a torch-layout tensor to convert. */
export function unknownArgumentIsTorchTensor(kind: string, want: Perm | undefined): boolean {
  return kind === "other" && want !== undefined && !isIdentity(want);
}
