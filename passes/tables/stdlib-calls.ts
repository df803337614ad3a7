/**
 * Standard-library calls that behave differently on MLX objects than on torch's, each with a helper taking the same
 * arguments (cookbook/helpers/<helper>.py) that the call is renamed to. Data, read by passes/walk/calls.ts.
 */
import { nameTable } from "../../ir/tables.js";
export const STDLIB_STAND_INS: Record<string, string> = nameTable({
  // MLX's activations are compiled functions that cannot be pickled: deepcopy shares them, as it shares plain functions
  "copy.deepcopy": "c2m_deepcopy",
});
