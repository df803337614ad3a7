/**
 * Where compile time goes: a per-phase timer the bench turns on (`npm run bench` prints its table). Off, a
 * phase costs one test of a variable. On, each phase is charged its own time only: entering a phase inside
 * another pauses the outer one, so the phases of a compile add up to the compile. Wall-clock time: on a
 * shared machine only the shares mean something, not the milliseconds.
 */

let totals: Map<string, number> | undefined;
/** the open phases, innermost last */
const open: string[] = [];
let since = 0;

/** Starts (or restarts, from zero) the timer. */
export function startPhaseTimer(): void {
  totals = new Map();
  open.length = 0;
}

/** Stops the timer and returns each phase's own time in ms, in the order the phases first ran. */
export function stopPhaseTimer(): Map<string, number> {
  const out = totals ?? new Map<string, number>();
  totals = undefined;
  return out;
}

/** Runs `run` as phase `name` (its own time is charged to `name`, what nested phases take to theirs). */
export function phase<T>(name: string, run: () => T): T {
  if (!totals) return run();
  charge();
  open.push(name);
  try {
    return run();
  } finally {
    charge();
    open.pop();
  }
}

function charge(): void {
  const now = performance.now();
  const current = open[open.length - 1];
  if (current !== undefined && totals) totals.set(current, (totals.get(current) ?? 0) + now - since);
  since = now;
}
