import { describe, expect, it } from "vitest";
import { backoffDelay, parseRetryAfter, withRetry } from "./retry.js";

const noSleep = async () => {};

/** An operation that counts its calls and throws `failure(call)`, or returns "ok" when that is undefined. */
function counted(failure: (call: number) => Error | undefined) {
  const op = {
    calls: 0,
    run: async () => {
      op.calls++;
      const error = failure(op.calls);
      if (error) throw error;
      return "ok";
    },
  };
  return op;
}

describe("withRetry", () => {
  it("retries retryable errors until success", async () => {
    const op = counted((call) => (call < 3 ? new Error("transient") : undefined));
    expect(await withRetry(op.run, { retryable: () => true, sleep: noSleep })).toBe("ok");
    expect(op.calls).toBe(3);
  });

  it("stops at the first error that is not retryable", async () => {
    const op = counted(() => new Error("permanent"));
    await expect(withRetry(op.run, { retryable: () => false, sleep: noSleep })).rejects.toThrow("permanent");
    expect(op.calls).toBe(1);
  });

  it("gives up after the attempt budget and rethrows the last error", async () => {
    const op = counted((call) => new Error(`try ${call}`));
    await expect(withRetry(op.run, { retryable: () => true, attempts: 4, sleep: noSleep })).rejects.toThrow(
      "try 4",
    );
    expect(op.calls).toBe(4);
  });

  it("waits at least what the server asked, within the cap", async () => {
    const waits: number[] = [];
    await withRetry(
      async (attempt) => {
        if (attempt === 1) throw new Error("429");
        return attempt;
      },
      {
        retryable: () => true,
        retryAfterMs: () => 7_000,
        sleep: async (ms) => {
          waits.push(ms);
        },
      },
    );
    expect(waits).toEqual([7_000]);
  });
});

describe("backoffDelay", () => {
  it("grows exponentially within its cap and honours Retry-After up to its own cap", () => {
    const policy = { attempts: 10, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 5_000 };
    expect(backoffDelay(1, policy)).toBeLessThanOrEqual(100);
    expect(backoffDelay(1, policy)).toBeGreaterThanOrEqual(50);
    expect(backoffDelay(3, policy)).toBeGreaterThanOrEqual(200);
    expect(backoffDelay(9, policy)).toBeLessThanOrEqual(1_000);
    expect(backoffDelay(1, policy, 3_000)).toBe(3_000);
    expect(backoffDelay(1, policy, 60_000)).toBe(5_000);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  it("reads seconds", () => expect(parseRetryAfter("3", now)).toBe(3_000));
  it("reads an HTTP date", () => expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:10 GMT", now)).toBe(10_000));
  it("reads an ISO date", () => expect(parseRetryAfter("2026-01-01T01:00:00Z", now)).toBe(3_600_000));
  it("never returns a negative wait", () => expect(parseRetryAfter("2025-01-01T00:00:00Z", now)).toBe(0));
  it("ignores what it cannot read", () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
  });
});
