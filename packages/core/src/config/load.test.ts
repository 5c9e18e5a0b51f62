import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultConfig } from "./defaults.js";
import { loadConfig } from "./load.js";

const load = (raw: unknown, baseDir = "/base") =>
  loadConfig(raw, { env: {}, baseDir, source: "zrec.config.json" });

describe("loadConfig: defaults", () => {
  it("gives the embedded default for undefined, null and {}", () => {
    for (const raw of [undefined, null, {}]) {
      expect(load(raw)).toEqual({
        ...defaultConfig,
        storage: { type: "fs", root: "/base/zrec-data" },
        index: { type: "sqlite", path: "/base/zrec-data/index.db" },
        notify: { type: "outbox", path: "/base/zrec-data/outbox.jsonl" },
      });
    }
  });

  it("leaves out keys a JS configuration set to undefined, as if they were not written", () => {
    const unset = process.env.ZREC_TEST_UNSET_VARIABLE;
    const config = load({
      storage: { type: "s3", bucket: "b", region: unset, profile: unset },
      remote: { region: unset },
      zoom: { accounts: { default: { accountId: "a", clientId: "c", webhookSecretToken: unset } } },
    });
    expect(config.storage).toEqual({ type: "s3", bucket: "b", prefix: "", forcePathStyle: false });
    expect(config.remote).toEqual({});
    expect(Object.keys(config.zoom.accounts.default ?? {}).sort()).toEqual([
      "accountId",
      "clientId",
      "clientSecret",
    ]);
  });

  it("accepts DESIGN.md's configuration block as written", () => {
    const block = {
      zoom: {
        accounts: { default: { accountId: "acc", clientId: "cid", clientSecret: "sec" } },
        webhookSecretToken: "tok",
        apiBaseUrl: "https://api.zoom.us/v2",
        oauthUrl: "https://zoom.us/oauth/token",
        allowedDownloadHosts: ["zoom.us", "*.zoom.us", "zoom.com", "*.zoom.com"],
      },
      storage: { type: "fs", root: "./zrec-data" },
      index: { type: "sqlite", path: "./zrec-data/index.db" },
      notify: { type: "outbox", path: "./zrec-data/outbox.jsonl" },
      ingest: {
        minimumDurationMinutes: 0,
        fileConcurrency: 5,
        partSizeMiB: 8,
        partConcurrency: 4,
        trashAfterIngest: false,
        stageTimeBudgetSeconds: null,
        abandonedAfterDays: 7,
      },
      organizations: [],
      defaultOrganization: "other",
      timezone: "America/New_York",
      roundMinutes: 5,
    };
    expect(load(block).zoom.accounts.default?.clientSecret).toBe("sec");
  });

  it("neither changes the file's object nor shares state with defaultConfig", () => {
    const raw = { ingest: { partSizeMiB: 16 }, organizations: [{ name: "A", match: ["A"] }] };
    const before = structuredClone(raw);
    const config = load(raw);
    config.zoom.allowedDownloadHosts.push("evil.example");
    config.ingest.fileConcurrency = 99;
    expect(raw).toEqual(before);
    expect(defaultConfig.zoom.allowedDownloadHosts).toHaveLength(4);
    expect(defaultConfig.ingest.fileConcurrency).toBe(5);
  });
});

describe("loadConfig: merging over the default", () => {
  it("merges objects key by key", () => {
    const config = load({ ingest: { partSizeMiB: 16 }, zoom: { webhookSecretToken: "t" } });
    expect(config.ingest).toEqual({ ...defaultConfig.ingest, partSizeMiB: 16 });
    expect(config.zoom.apiBaseUrl).toBe("https://api.zoom.us/v2");
    expect(config.zoom.webhookSecretToken).toBe("t");
  });

  it("replaces arrays instead of concatenating them", () => {
    expect(load({ zoom: { allowedDownloadHosts: ["127.0.0.1"] } }).zoom.allowedDownloadHosts).toEqual([
      "127.0.0.1",
    ]);
    const rules = [{ name: "OLF", match: ["OLF", "Foundation"] }];
    expect(load({ organizations: rules }).organizations).toEqual(rules);
  });

  it("treats an undefined value (possible in a JS config) as not given", () => {
    expect(load({ timezone: undefined, ingest: { partSizeMiB: undefined } }).timezone).toBe(
      "America/New_York",
    );
  });

  it("keeps the default type when a block omits it or names the same type", () => {
    expect(load({ storage: { root: "/data" } }).storage).toEqual({ type: "fs", root: "/data" });
    expect(load({ index: { type: "sqlite" } }).index).toEqual({
      type: "sqlite",
      path: "/base/zrec-data/index.db",
    });
  });

  it("replaces the default block when the type differs, filling the AWS form's own defaults", () => {
    expect(load({ storage: { type: "s3", bucket: "b" } }).storage).toEqual({
      type: "s3",
      bucket: "b",
      prefix: "",
      forcePathStyle: false,
    });
    expect(load({ index: { type: "dynamodb", table: "t", region: "eu-west-1" } }).index).toEqual({
      type: "dynamodb",
      table: "t",
      region: "eu-west-1",
    });
    const queueUrl = "https://sqs.us-east-1.amazonaws.com/123456789012/zrec";
    expect(load({ notify: { type: "sqs", queueUrl } }).notify).toEqual({ type: "sqs", queueUrl });
    expect(load({ notify: { type: "none" } }).notify).toEqual({ type: "none" });
  });

  it("accepts every optional key of the AWS forms", () => {
    const aws = { region: "us-east-1", endpoint: "http://localhost:4566", profile: "archive" };
    const config = load({
      storage: { type: "s3", bucket: "b", prefix: "zoom/", forcePathStyle: true, ...aws },
      index: { type: "dynamodb", table: "t", ...aws },
      notify: { type: "sqs", queueUrl: "http://localhost:4566/000000000000/q", ...aws },
    });
    expect(config.storage).toEqual({
      type: "s3",
      bucket: "b",
      prefix: "zoom/",
      forcePathStyle: true,
      ...aws,
    });
    expect(config.index).toMatchObject(aws);
    expect(config.notify).toMatchObject(aws);
  });

  it("does not let a block of another type inherit the default's keys", () => {
    expect(() => load({ notify: { type: "none" } })).not.toThrow();
    expect(load({ storage: { type: "s3", bucket: "b" } }).storage).not.toHaveProperty("root");
  });
});

describe("loadConfig: normalising", () => {
  it("resolves relative paths against baseDir and keeps absolute ones", () => {
    const config = load(
      {
        storage: { root: "data" },
        index: { path: "/var/lib/zrec/index.db" },
        notify: { path: "../out/outbox.jsonl" },
      },
      "/srv/zrec",
    );
    expect(config.storage).toEqual({ type: "fs", root: "/srv/zrec/data" });
    expect(config.index).toEqual({ type: "sqlite", path: "/var/lib/zrec/index.db" });
    expect(config.notify).toEqual({ type: "outbox", path: "/srv/out/outbox.jsonl" });
  });

  it("expands a leading ~ in every local path to the home folder, and only a leading one", () => {
    const options = { env: {}, baseDir: "/srv/zrec", homeDir: "/home/ann" };
    const config = loadConfig(
      {
        storage: { root: "~/zrec-archive" },
        index: { path: "~" },
        notify: { path: "~ann/outbox.jsonl" },
        serve: { queuePath: "~/jobs.db" },
      },
      options,
    );
    expect(config.storage).toEqual({ type: "fs", root: "/home/ann/zrec-archive" });
    expect(config.index).toEqual({ type: "sqlite", path: "/home/ann" });
    expect(config.notify).toEqual({ type: "outbox", path: "/srv/zrec/~ann/outbox.jsonl" });
    expect(config.serve.queuePath).toBe("/home/ann/jobs.db");
    const inside = loadConfig({ storage: { root: "data/~/x" }, serve: { queuePath: "jobs.db" } }, options);
    expect(inside.storage).toEqual({ type: "fs", root: "/srv/zrec/data/~/x" });
    expect(inside.serve.queuePath).toBe("jobs.db");
  });

  it("refuses ~ when an older zrec's folder named ~ holds the archive and the home folder does not", () => {
    const baseDir = mkdtempSync(join(tmpdir(), "zrec-tilde-"));
    const homeDir = join(baseDir, "home");
    mkdirSync(join(baseDir, "~", "zrec-archive"), { recursive: true });
    const raw = { storage: { root: "~/zrec-archive" } };
    expect(() => loadConfig(raw, { env: {}, baseDir, homeDir })).toThrow(
      /storage\.root "~\/zrec-archive" means .*home.*does not exist.*folder named "~"/,
    );
    mkdirSync(join(homeDir, "zrec-archive"), { recursive: true });
    expect(loadConfig(raw, { env: {}, baseDir, homeDir }).storage).toEqual({
      type: "fs",
      root: join(homeDir, "zrec-archive"),
    });
    rmSync(baseDir, { recursive: true, force: true });
  });

  it("resolves against the working directory without a baseDir", () => {
    const config = loadConfig(undefined, { env: {} });
    if (config.storage.type !== "fs") throw new Error("expected fs storage");
    expect(config.storage.root).toBe(resolve(process.cwd(), "zrec-data"));
  });

  it("drops a trailing slash from apiBaseUrl and lower-cases download hosts", () => {
    const config = load({
      zoom: { apiBaseUrl: "http://127.0.0.1:9000/v2/", allowedDownloadHosts: ["*.Zoom.US"] },
    });
    expect(config.zoom.apiBaseUrl).toBe("http://127.0.0.1:9000/v2");
    expect(config.zoom.allowedDownloadHosts).toEqual(["*.zoom.us"]);
  });

  it("accepts host names, IPv4 and bracketed IPv6 as download hosts", () => {
    const hosts = ["zoom.us", "*.zoom.us", "127.0.0.1", "localhost", "[::1]", "ssrweb.zoom.us"];
    expect(load({ zoom: { allowedDownloadHosts: hosts } }).zoom.allowedDownloadHosts).toEqual(hosts);
  });

  it("accepts any IANA zone Intl knows", () => {
    for (const timezone of ["UTC", "Europe/Berlin", "Asia/Kolkata", "America/Argentina/Buenos_Aires"]) {
      expect(load({ timezone }).timezone).toBe(timezone);
    }
  });
});

describe("loadConfig: site.mediaBaseUrl", () => {
  it("is kept as the URL parser writes it, with one trailing slash; a query or fragment is refused", () => {
    const media = (mediaBaseUrl: string) => load({ site: { mediaBaseUrl } }).site.mediaBaseUrl;
    expect(media("HTTPS://CDN.Example.org/media")).toBe("https://cdn.example.org/media/");
    expect(media("https://cdn.example.org/")).toBe("https://cdn.example.org/");
    for (const bad of ["https://cdn.example.org/media?sig=abc", "https://cdn.example.org/#x", "ftp://cdn/"])
      expect(() => media(bad)).toThrow(/site\.mediaBaseUrl.*without a query or fragment/);
  });
});
