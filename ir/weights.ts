/** Rules that turn a torch state_dict into the parameters of the translated MLX module. See docs/architecture.md. */
export type WeightOp = "identity" | "drop" | "conv" | "conv_transpose" | "linear_nhwc" | "split" | "sum";

export interface WeightRule {
  /** torch key pattern, or several for `sum`; `*` matches one dotted segment, `**` one or more, `#` one of digits */
  torch: string | string[];
  /** MLX key pattern, several for `split`, null for `drop` */
  mlx: string | string[] | null;
  op: WeightOp;
  args?: number[];
}

export type WeightMaps = Record<string, WeightRule[]>;
