import { thrownBy } from "@zrec/test-utils/thrown";
import { describe, expect, it } from "vitest";
import { jobQueuePath } from "../adapters/factory.js";
import { ConfigError } from "../errors.js";
import { loadConfig } from "./load.js";

const load = (raw: unknown) => loadConfig(raw, { env: {}, baseDir: "/srv/zrec", source: "zrec.config.json" });

const errorOf = (raw: unknown) => thrownBy(ConfigError, () => load(raw));

describe("serve configuration", () => {
  it("defaults to the index's file, 2 jobs at once and 6 tries, the first retry after 60 s", () => {
    expect(load({}).serve).toEqual({ queuePath: null, concurrency: 2, maxAttempts: 6, retryBaseSeconds: 60 });
  });

  it("accepts a queue file, a concurrency, a number of tries and the first retry's wait", () => {
    const serve = { queuePath: "jobs.db", concurrency: 8, maxAttempts: 1, retryBaseSeconds: 5 };
    expect(load({ serve }).serve).toEqual(serve);
  });

  it.each([
    ["serve.queuePath", { queuePath: "" }, /a file path, or null/],
    ["serve.queuePath", { queuePath: 3 }, /a file path, or null/],
    ["serve.concurrency", { concurrency: 0 }, /a whole number from 1 to 64/],
    ["serve.concurrency", { concurrency: 2.5 }, /a whole number from 1 to 64/],
    ["serve.maxAttempts", { maxAttempts: 0 }, /a whole number from 1 to 100/],
    ["serve.retryBaseSeconds", { retryBaseSeconds: 0 }, /a whole number from 1 to 3600/],
    ["serve.retryBaseSeconds", { retryBaseSeconds: "60" }, /a whole number from 1 to 3600/],
    ["serve.port", { port: 8080 }, /unknown key "serve.port"/],
  ])("refuses %s = %j, naming the key", (key, serve, phrase) => {
    const error = errorOf({ serve });
    expect(error.message).toMatch(phrase);
    expect(error.message).toContain(key);
  });

  it("puts the queue in the SQLite index's file, else beside the configuration, unless told", () => {
    expect(jobQueuePath(load({}), "/srv/zrec")).toBe("/srv/zrec/zrec-data/index.db");
    const dynamo = load({ index: { type: "dynamodb", table: "recordings" } });
    expect(jobQueuePath(dynamo, "/srv/zrec")).toBe("/srv/zrec/zrec-jobs.db");
    expect(jobQueuePath(load({ serve: { queuePath: "/var/lib/zrec/jobs.db" } }), "/srv/zrec")).toBe(
      "/var/lib/zrec/jobs.db",
    );
    expect(jobQueuePath(load({ serve: { queuePath: "q.db" } }), "/srv/zrec")).toBe("/srv/zrec/q.db");
  });
});
