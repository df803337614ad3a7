/**
 * `value in t` on a tensor: torch's Tensor.__contains__ is `(t == value).any()`. An mx.array defines no
 * __contains__, so Python falls back to iterating its first axis and asks each row for a truth value, which MLX
 * refuses for a row of more than one element ("Only length-1 arrays can be converted to Python scalars";
 * transformers' `pad_token_id in input_ids[:, [-1, 0]]`). Where the right operand may be a tensor (a value the
 * walk types as one, assumed or known), the test goes through c2m_contains (cookbook/helpers/c2m_contains.py),
 * which does torch's test for an array and Python's own for anything else.
 */
export const CONTAINS_HELPER = "c2m_contains";

/** The text for `left in right` / `left not in right`, or undefined when the operator is another. */
export function containsText(operator: string, left: string, right: string): string | undefined {
  if (operator === "in") return `${CONTAINS_HELPER}(${right}, ${left})`;
  if (operator === "not in") return `not ${CONTAINS_HELPER}(${right}, ${left})`;
  return undefined;
}
