/** Rules that turn a torch state_dict into the parameters of the translated MLX module. See docs/architecture.md. */
/**
 * `runtime`: the key lies under a container whose modules are built at run time (a builder decoding string
 * architecture definitions): it is kept under its torch name behind RUNTIME_KEY_PREFIX, and the emitted class's
 * load_weights resolves it against the built module (cookbook/helpers/c2m_runtime_weights.py).
 */
export type WeightOp = "identity" | "drop" | "conv" | "conv_transpose" | "linear_nhwc" | "split" | "sum" | "runtime";

/** What a `runtime` key is stored under: never an MLX parameter's path, so plain MLX loading rejects it by name. */
export const RUNTIME_KEY_PREFIX = "torch:";

export interface WeightRule {
  /** torch key pattern, or several for `sum`; `*` matches one dotted segment, `**` one or more, `#` one of digits */
  torch: string | string[];
  /** MLX key pattern, several for `split`, null for `drop` and `runtime` */
  mlx: string | string[] | null;
  op: WeightOp;
  args?: number[];
}

export type WeightMaps = Record<string, WeightRule[]>;
