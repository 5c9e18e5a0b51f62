import { describe, expect, it } from "vitest";
import { rateLimiterFor, tokenBucket } from "./rate-limit.js";

function fakeClock() {
  const clock = {
    at: 0,
    slept: [] as number[],
    now: () => clock.at,
    sleep: async (ms: number) => {
      clock.slept.push(ms);
      clock.at += ms;
    },
  };
  return clock;
}

describe("tokenBucket", () => {
  it("lets a burst of perSecond through at once, then one request per 1/perSecond", async () => {
    const clock = fakeClock();
    const bucket = tokenBucket(10, clock);
    const sent: number[] = [];
    await Promise.all(Array.from({ length: 15 }, () => bucket.take().then(() => sent.push(clock.now()))));
    expect(sent.slice(0, 10)).toEqual(Array(10).fill(0));
    expect(sent.slice(10)).toEqual([100, 200, 300, 400, 500]);
  });

  it("is one bucket per account across the process", () => {
    expect(rateLimiterFor("acct-a", 10)).toBe(rateLimiterFor("acct-a", 10));
    expect(rateLimiterFor("acct-a", 10)).not.toBe(rateLimiterFor("acct-b", 10));
  });
});
