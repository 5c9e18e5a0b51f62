import { thrownBy } from "@zrec/test-utils/thrown";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors.js";
import { loadConfig } from "./load.js";

const SOURCE = "zrec.config.json";

const errorOf = (raw: unknown, env: Record<string, string> = {}) =>
  thrownBy(
    ConfigError,
    () => loadConfig(raw, { env, baseDir: "/base", source: SOURCE }),
    JSON.stringify(raw),
  );

/** `{ a: { b: value } }` for "a.b", over `base`; numeric segments make arrays. */
function withValue(
  path: string,
  value: unknown,
  base: Record<string, unknown> = {},
): Record<string, unknown> {
  const root = structuredClone(base);
  const keys = path.split(".");
  let node: Record<string, unknown> = root;
  keys.slice(0, -1).forEach((key, i) => {
    const nextIsIndex = /^\d+$/.test(keys[i + 1] ?? "");
    node[key] ??= nextIsIndex ? [] : {};
    node = node[key] as Record<string, unknown>;
  });
  node[keys.at(-1) as string] = value;
  return root;
}

const account = { accountId: "acc", clientId: "cid", clientSecret: "sec" };
const s3 = { storage: { type: "s3", bucket: "b" } };
const dynamodb = { index: { type: "dynamodb", table: "t" } };
const sqs = { notify: { type: "sqs", queueUrl: "https://sqs.us-east-1.amazonaws.com/1/q" } };
const org = { organizations: [{ name: "A", match: ["A"] }] };
const withAccount = { zoom: { accounts: { default: account } } };

// Every documented key, with a value of the wrong type or out of range.
const cases: [key: string, value: unknown, base?: Record<string, unknown>][] = [
  ["zoom", "zoom"],
  ["zoom.accounts", ["default"]],
  ["zoom.accounts.default", 5],
  ["zoom.accounts.default.accountId", 5, withAccount],
  ["zoom.accounts.default.clientId", "", withAccount],
  ["zoom.accounts.default.clientSecret", false, withAccount],
  ["zoom.webhookSecretToken", 5],
  ["zoom.apiBaseUrl", "api.zoom.us/v2"],
  ["zoom.oauthUrl", "ftp://zoom.us/oauth/token"],
  ["zoom.allowedDownloadHosts", "zoom.us"],
  ["zoom.allowedDownloadHosts.0", "https://zoom.us"],
  ["zoom.allowedDownloadHosts.0", "zoom.us/rec"],
  ["zoom.allowedDownloadHosts.0", "127.0.0.1:99999"],
  ["storage", "fs"],
  ["storage.type", "gcs"],
  ["storage.root", 5],
  ["storage.bucket", "", s3],
  ["storage.prefix", 5, s3],
  ["storage.region", 5, s3],
  ["storage.endpoint", "localhost:4566", s3],
  ["storage.forcePathStyle", "true", s3],
  ["storage.profile", "", s3],
  ["index", null],
  ["index.type", 5],
  ["index.path", ""],
  ["index.table", 5, dynamodb],
  ["index.region", 5, dynamodb],
  ["index.endpoint", "nope", dynamodb],
  ["index.profile", 5, dynamodb],
  ["notify", []],
  ["notify.type", "webhook"],
  ["notify.path", {}],
  ["notify.queueUrl", "my-queue", sqs],
  ["notify.region", 5, sqs],
  ["notify.endpoint", 5, sqs],
  ["notify.profile", 5, sqs],
  ["ingest", 5],
  ["ingest.minimumDurationMinutes", -1],
  ["ingest.minimumDurationMinutes", "10"],
  ["ingest.fileConcurrency", 0],
  ["ingest.fileConcurrency", 65],
  ["ingest.fileConcurrency", 1.5],
  ["ingest.partSizeMiB", "eight"],
  ["ingest.partSizeMiB", 4],
  ["ingest.partSizeMiB", 5121],
  ["ingest.partSizeMiB", Number.NaN],
  ["ingest.partConcurrency", 0],
  ["ingest.partConcurrency", 100],
  ["ingest.trashAfterIngest", "yes"],
  ["organizations", { name: "A" }],
  ["organizations.0", "FOLIO"],
  ["organizations.0.name", "", org],
  ["organizations.0.match", "A", org],
  ["organizations.0.match", [], org],
  ["organizations.0.match.0", "", org],
  ["organizations.0.match.0", 5, org],
  ["defaultOrganization", ""],
  ["timezone", "Mars/Olympus"],
  ["timezone", 5],
  ["roundMinutes", 0],
  ["roundMinutes", 61],
  ["roundMinutes", 2.5],
];

describe("loadConfig: a wrong value names its dotted key", () => {
  it.each(cases)("%s = %j", (key, value, base) => {
    const error = errorOf(withValue(key, value, base));
    expect(error.key).toBe(key);
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.badInput).toBe(true);
    expect(error.message).toMatch(
      new RegExp(`^${SOURCE}: ${key.replaceAll(".", "\\.")} must be .+, not .+$`),
    );
    expect(error.message).not.toMatch(/Invalid input|expected|received/);
  });

  it("says what it wants and what it got", () => {
    expect(errorOf({ ingest: { partSizeMiB: "eight" } }).message).toBe(
      'zrec.config.json: ingest.partSizeMiB must be a number of at least 5 and at most 5120 (MiB), not "eight"',
    );
    expect(errorOf({ timezone: "Mars/Olympus" }).message).toBe(
      'zrec.config.json: timezone must be an IANA time zone name such as "America/New_York", not "Mars/Olympus"',
    );
    expect(errorOf({ zoom: { apiBaseUrl: "not a url" } }).message).toBe(
      'zrec.config.json: zoom.apiBaseUrl must be an http(s) URL, not "not a url"',
    );
    expect(errorOf({ storage: { type: "gcs" } }).message).toBe(
      'zrec.config.json: storage.type must be "fs" or "s3", not "gcs"',
    );
  });

  it("says a required key is required, and when", () => {
    const bucket = errorOf({ storage: { type: "s3" } });
    expect(bucket.key).toBe("storage.bucket");
    expect(bucket.message).toBe('zrec.config.json: storage.bucket is required when storage.type is "s3"');
    expect(errorOf({ index: { type: "dynamodb" } }).message).toMatch(
      /index\.table is required when index\.type is "dynamodb"/,
    );
    expect(errorOf({ notify: { type: "sqs" } }).key).toBe("notify.queueUrl");
    const match = errorOf({ organizations: [{ name: "A", match: ["A"] }, { name: "B" }] });
    expect(match.key).toBe("organizations.1.match");
    expect(match.message).toBe("zrec.config.json: organizations.1.match is required");
    const secret = errorOf({ zoom: { accounts: { default: { accountId: "a", clientSecret: "s" } } } });
    expect(secret.key).toBe("zoom.accounts.default.clientId");
    expect(secret.message).toMatch(/ZOOM_CLIENT_ID/);
  });

  it("refuses account names that could not be typed as --account or read back from a dotted key", () => {
    const error = errorOf({ zoom: { accounts: { "a.b": account } } });
    expect(error.key).toBe("zoom.accounts.a.b");
    expect(error.message).toMatch(/zoom\.accounts has an entry named "a\.b"/);
  });

  it("reports the first problem and counts the rest", () => {
    const error = errorOf({ ingest: { partSizeMiB: 1, fileConcurrency: 0 }, roundMinutes: 0 });
    expect(error.key).toBe("ingest.fileConcurrency");
    expect(error.message).toMatch(/\(and 2 more problems\)$/);
  });

  it("refuses a file that is not an object", () => {
    for (const raw of [[], "zoom", 5, true]) {
      const error = errorOf(raw);
      expect(error.key).toBe("");
      expect(error.message).toMatch(/^zrec\.config\.json: must hold an object of settings, not /);
    }
  });
});

describe("loadConfig: unknown keys", () => {
  it.each([
    [{ ingest: { partSize: 8 } }, "ingest.partSize", "partSizeMiB"],
    [{ timeZone: "UTC" }, "timeZone", "timezone"],
    [{ orgnizations: [] }, "orgnizations", "organizations"],
    [{ zoom: { webhookSecret: "x" } }, "zoom.webhookSecret", "webhookSecretToken"],
    [
      { zoom: { accounts: { default: { ...account, secret: "x" } } } },
      "zoom.accounts.default.secret",
      "clientSecret",
    ],
    [{ storage: { type: "s3", bucketName: "b" } }, "storage.bucketName", "bucket"],
    [{ index: { type: "dynamodb", table: "t", tableName: "t" } }, "index.tableName", "table"],
    [{ organizations: [{ name: "A", matches: ["A"] }] }, "organizations.0.matches", "match"],
  ])("%j -> %s (did you mean %s?)", (raw, key, guess) => {
    const error = errorOf(raw);
    expect(error.key).toBe(key);
    expect(error.message).toMatch(
      new RegExp(`^${SOURCE}: unknown key "${key}" \\(did you mean "${guess}"\\?\\)`),
    );
  });

  it("names an unknown key without a guess when nothing is close, and lists the known ones", () => {
    const error = errorOf({ colour: "blue" });
    expect(error.message).toBe('zrec.config.json: unknown key "colour"');
    expect(error.suggestion).toMatch(/Keys known here: zoom, storage, index/);
  });

  it("reports a key the default block has but the chosen type does not", () => {
    expect(errorOf({ notify: { type: "none", path: "x" } }).key).toBe("notify.path");
    expect(errorOf({ storage: { type: "s3", bucket: "b", root: "x" } }).message).toBe(
      'zrec.config.json: unknown key "storage.root"',
    );
  });

  it("puts an unknown key before the problems it likely caused", () => {
    const error = errorOf({ storage: { type: "s3", bucketName: "b" } });
    expect(error.key).toBe("storage.bucketName");
    expect(error.message).toMatch(/\(and 1 more problem\)$/);
  });

  it("treats __proto__ as a plain unknown key, at any level", () => {
    const top = errorOf(JSON.parse('{"__proto__": {"timezone": "nope"}}'));
    expect(top.key).toBe("__proto__");
    expect(top.message).toBe('zrec.config.json: unknown key "__proto__"');
    expect(errorOf(JSON.parse('{"ingest": {"__proto__": {"partSizeMiB": 1}}}')).key).toBe("ingest.__proto__");
    expect(({} as Record<string, unknown>).timezone).toBeUndefined();
  });
});
