/** Injected trouble: rules matched against each request in the order they were injected. */
import type { FaultRule, FaultTarget } from "./types.js";

export interface FaultContext {
  target: FaultTarget;
  fileId?: string | undefined;
  rawPath: string;
  path: string;
  method: string;
  ranged: boolean;
}

interface ActiveRule {
  rule: FaultRule;
  number: number;
  skipLeft: number;
  timesLeft: number;
}

/** Kinds that change only ranged answers: on a plain GET they would do nothing, so they wait for one. */
const RANGED_ONLY = new Set(["ignore-range", "short-total"]);

export class FaultBook {
  #rules: ActiveRule[] = [];
  #count = 0;

  inject(rule: FaultRule): void {
    const times = rule.times ?? 1;
    if (!(times > 0)) return;
    this.#count += 1;
    this.#rules.push({ rule: { ...rule }, number: this.#count, skipLeft: rule.skip ?? 0, timesLeft: times });
  }

  clear(): void {
    this.#rules = [];
  }

  /**
   * The rule that hits this request, if any. Every matching rule still in its `skip` phase counts the
   * request as one let through, whether or not another rule hits it.
   */
  take(context: FaultContext): FaultRule | undefined {
    let hit: ActiveRule | undefined;
    for (const active of this.#rules) {
      if (!matches(active.rule, context)) continue;
      if (active.skipLeft > 0) {
        active.skipLeft -= 1;
        continue;
      }
      if (!hit) hit = active;
    }
    if (!hit) return undefined;
    hit.timesLeft -= 1;
    if (hit.timesLeft <= 0) this.#rules = this.#rules.filter((active) => active !== hit);
    return hit.rule;
  }
}

function matches(rule: FaultRule, context: FaultContext): boolean {
  if (rule.target !== context.target) return false;
  if (rule.fileId !== undefined && rule.fileId !== context.fileId) return false;
  if (rule.pathIncludes !== undefined) {
    if (!context.rawPath.includes(rule.pathIncludes) && !context.path.includes(rule.pathIncludes))
      return false;
  }
  if (rule.method !== undefined && rule.method.toUpperCase() !== context.method) return false;
  if ((rule.onlyRanged || RANGED_ONLY.has(rule.kind)) && !context.ranged) return false;
  return true;
}

/** The fault in words, for the request log. */
export function describeFault(rule: FaultRule): string {
  switch (rule.kind) {
    case "drop":
      return `drop after ${rule.afterBytes ?? 0} bytes`;
    case "status":
      return `status ${rule.status ?? 500}${rule.retryAfter !== undefined ? ` retry-after ${rule.retryAfter}` : ""}`;
    case "stall":
      return `stall ${rule.stallMs ?? DEFAULT_STALL_MS} ms after ${rule.afterBytes ?? 0} bytes`;
    case "ignore-range":
      return "ignore-range";
    case "wrong-size":
      return `wrong-size: ${rule.bytes ?? 1} bytes short`;
    case "short-total":
      return `short-total: total off by ${rule.bytes ?? -1}`;
    default:
      return String(rule.kind);
  }
}

export const DEFAULT_STALL_MS = 10_000;

/** Zoom's error body for a status, for `status` faults. */
export function faultStatusBody(status: number): { code: number; message: string } {
  if (status === 429) {
    return {
      code: 429,
      message: "You have reached the maximum per-second rate limit for this API. Try again later.",
    };
  }
  if (status >= 500) return { code: status, message: "Internal server error." };
  return { code: status, message: `Injected status ${status}.` };
}
