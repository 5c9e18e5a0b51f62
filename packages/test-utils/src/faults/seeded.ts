/**
 * Seeded randomness for the fault runs: one seed names one run exactly (sizes, faults, timings), so a
 * failing run is reproduced with `ZREC_FAULT_SEED=<seed>`. mulberry32: small, fast, good enough to mix
 * faults; not for anything secret.
 */

export interface Rng {
  readonly seed: number;
  /** In [0, 1). */
  next(): number;
  /** A whole number in [min, max]. */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

/**
 * @example
 * const rng = seeded(42);
 * rng.int(1, 6); // the same on every run for seed 42
 */
export function seeded(seed: number): Rng {
  let state = seed >>> 0 || 0x9e3779b9;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    seed,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new RangeError("pick from an empty list");
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
  };
}

/**
 * The seeds of a suite: `ZREC_FAULT_SEED` alone (to replay one run), else `ZREC_FAULT_RUNS` seeds from
 * `ZREC_FAULT_FIRST_SEED` (default 1) in the long `pnpm test:faults`, else `normal` in the normal suite.
 */
export function seedsFor(normal: number[], scale = 1): number[] {
  const one = process.env.ZREC_FAULT_SEED;
  if (one !== undefined && one !== "") return [Number(one)];
  const runs = Number(process.env.ZREC_FAULT_RUNS ?? "");
  if (!Number.isInteger(runs) || runs <= 0) return normal;
  const first = Number(process.env.ZREC_FAULT_FIRST_SEED ?? "1") || 1;
  return Array.from({ length: Math.max(1, Math.round(runs * scale)) }, (_, i) => first + i);
}

/** True in `pnpm test:faults` (the long runs), false in the normal suite. */
export const longRuns = Number(process.env.ZREC_FAULT_RUNS ?? "") > 0;

/**
 * Runs `task` for every item, at most `concurrency` at once, in order of start; resolves with the
 * results in item order. One failure does not stop the others: every result is settled.
 */
export async function eachLimited<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { status: "fulfilled", value: await task(items[i] as T) };
      } catch (reason) {
        results[i] = { status: "rejected", reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
