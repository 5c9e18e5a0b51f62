/** Hostile or runaway input must end as one ConfigError sentence: no crash, no stack overflow, no leak. */

import { thrownBy } from "@zrec/test-utils/thrown";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors.js";
import { loadConfig } from "./load.js";

const errorOf = (raw: unknown, env: Record<string, string> = {}) =>
  thrownBy(ConfigError, () => loadConfig(raw, { env, baseDir: "/base", source: "zrec.config.json" }));

function deepObject(depth: number): Record<string, unknown> {
  let node: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < depth; i++) node = { a: node };
  return node;
}

function deepArray(depth: number): unknown[] {
  let node: unknown[] = [];
  for (let i = 0; i < depth; i++) node = [node];
  return node;
}

describe("loadConfig: junk", () => {
  it("names an unknown key holding a 10k-deep object", () => {
    const error = errorOf({ junk: deepObject(10_000) });
    expect(error.key).toBe("junk");
    expect(error.message).toBe('zrec.config.json: unknown key "junk"');
  });

  it("reports deep nesting where a scalar or a known block belongs", () => {
    expect(errorOf({ timezone: deepObject(10_000) }).key).toBe("timezone");
    expect(errorOf({ ingest: deepObject(10_000) }).key).toBe("ingest.a");
    expect(errorOf({ organizations: deepArray(10_000) }).key).toBe("organizations.0");
    expect(errorOf({ zoom: { accounts: { default: deepObject(10_000) } } }).key).toBe(
      "zoom.accounts.default.a",
    );
  });

  it("refuses a million organisation rules quickly, without checking each", () => {
    const started = Date.now();
    const error = errorOf({ organizations: new Array(1_000_000).fill({ name: "A", match: ["A"] }) });
    expect(error.key).toBe("organizations");
    expect(error.message).toBe(
      "zrec.config.json: organizations must be a list of at most 1000 entries, not a list of 1000000 entries",
    );
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("refuses huge match lists, host lists and account maps", () => {
    const many = new Array(5_000).fill("x");
    expect(errorOf({ organizations: [{ name: "A", match: many }] }).key).toBe("organizations.0.match");
    expect(errorOf({ zoom: { allowedDownloadHosts: many } }).key).toBe("zoom.allowedDownloadHosts");
    const accounts = Object.fromEntries(many.map((_, i) => [`a${i}`, 1]));
    expect(errorOf({ zoom: { accounts } }).key).toBe("zoom.accounts");
  });

  it("counts a hundred thousand unknown keys instead of listing them", () => {
    const raw = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]));
    expect(errorOf(raw).message).toBe('zrec.config.json: unknown key "k0" (and 99999 more problems)');
  });

  it("keeps the message short when a key or a value is huge", () => {
    const long = "x".repeat(1_000_000);
    const key = errorOf({ [long]: 1 });
    expect(key.key).toBe(long);
    expect(key.message.length).toBeLessThan(200);
    expect(errorOf({ timezone: long }).message.length).toBeLessThan(200);
  });

  it("copes with cycles", () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(errorOf({ junk: cycle }).key).toBe("junk");
    expect(errorOf({ ingest: cycle }).key).toBe("ingest.self");
    const rule: Record<string, unknown> = { name: "A", match: ["A"] };
    rule.again = rule;
    expect(errorOf({ organizations: [rule] }).key).toBe("organizations.0.again");
  });

  it("turns a getter that throws, or one that overflows the stack, into a ConfigError", () => {
    const throwing = errorOf({
      get timezone(): string {
        throw new Error("boom");
      },
    });
    expect(throwing.message).toBe("zrec.config.json: could not be read as a configuration (boom)");
    const recurse = (n: number): number => recurse(n + 1) + 1;
    const overflow = errorOf({
      get roundMinutes() {
        return recurse(0);
      },
    });
    expect(overflow.cause).toBeInstanceOf(RangeError);
  });

  it("refuses values JSON cannot hold without crashing", () => {
    expect(errorOf({ roundMinutes: 5n }).message).toBe(
      "zrec.config.json: roundMinutes must be a whole number from 1 to 60, not a bigint",
    );
    expect(errorOf({ timezone: Symbol("x") }).key).toBe("timezone");
    expect(errorOf({ ingest: new Map() }).key).toMatch(/^ingest/);
    expect(errorOf({ ingest: { partSizeMiB: Number.POSITIVE_INFINITY } }).key).toBe("ingest.partSizeMiB");
  });
});

describe("loadConfig: secrets never appear in a message", () => {
  const secret = "s3cr3t-VALUE-9f8e7d";
  const cases: [string, unknown, Record<string, string>?][] = [
    [
      "wrong type",
      { zoom: { accounts: { default: { accountId: "a", clientId: "c", clientSecret: 987654321 } } } },
    ],
    ["account given as a string", { zoom: { accounts: { default: secret } } }],
    ["token of the wrong type", { zoom: { webhookSecretToken: [secret] } }],
    ["token as a number", { zoom: { webhookSecretToken: 987654321 } }],
    ["another error beside a secret", { zoom: { webhookSecretToken: secret }, roundMinutes: 0 }],
    ["an unknown key beside a secret", { zoom: { accounts: { default: { clientSecret: secret, x: 1 } } } }],
    ["a partial environment", {}, { ZOOM_CLIENT_SECRET: secret }],
    ["a partial environment with a token", {}, { ZOOM_CLIENT_ID: "c", ZOOM_WEBHOOK_SECRET_TOKEN: secret }],
    ["a secret in a misplaced account", { zoom: { accounts: { default: [secret, secret] } } }],
  ];
  it.each(cases)("%s", (_name, raw, env) => {
    const error = errorOf(raw, env);
    const text = `${error.message} ${error.suggestion ?? ""} ${error.key}`;
    expect(text).not.toContain(secret);
    expect(text).not.toContain("987654321");
  });
});
