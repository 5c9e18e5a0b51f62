import { ConfigError, loadConfig } from "@zrec/core";
import { describe, expect, it, vi } from "vitest";
import { checkLambdaBackends, loadHandlerConfig } from "./config.js";
import { startOnce } from "./runtime.js";

describe("startOnce", () => {
  it("starts at once, shares the result, and starts again after a failure", async () => {
    const make = vi
      .fn<() => Promise<number>>()
      .mockRejectedValueOnce(new Error("SSM throttled"))
      .mockResolvedValue(42);
    const get = startOnce(make);
    expect(make).toHaveBeenCalledTimes(1); // at module scope, during Lambda's init
    await Promise.resolve();
    expect(await get()).toBe(42);
    expect(await get()).toBe(42);
    expect(make).toHaveBeenCalledTimes(2);
  });
});

describe("loadHandlerConfig", () => {
  it("reads ZREC_CONFIG and the Zoom secrets from the environment", async () => {
    const config = await loadHandlerConfig({
      ZREC_CONFIG: JSON.stringify({ storage: { type: "s3", bucket: "b" }, ingest: { fileConcurrency: 3 } }),
      ZOOM_ACCOUNT_ID: "acc",
      ZOOM_CLIENT_ID: "id",
      ZOOM_CLIENT_SECRET: "secret",
      ZOOM_WEBHOOK_SECRET_TOKEN: "token",
    });
    expect(config.storage).toMatchObject({ type: "s3", bucket: "b" });
    expect(config.ingest.fileConcurrency).toBe(3);
    expect(config.zoom.accounts.default).toEqual({
      accountId: "acc",
      clientId: "id",
      clientSecret: "secret",
    });
    expect(config.zoom.webhookSecretToken).toBe("token");
  });

  it("says what is wrong with ZREC_CONFIG", async () => {
    await expect(loadHandlerConfig({ ZREC_CONFIG: "{storage" })).rejects.toThrow(/ZREC_CONFIG is not JSON/);
    await expect(loadHandlerConfig({ ZREC_CONFIG: "[]" })).rejects.toThrow(/JSON object/);
    await expect(loadHandlerConfig({ ZREC_CONFIG: '{"ingest":{"fileConcurrency":"five"}}' })).rejects.toThrow(
      /ingest\.fileConcurrency/,
    );
  });
});

describe("checkLambdaBackends", () => {
  it("refuses a folder store and the SQLite index, which a Lambda cannot keep", () => {
    expect(() => checkLambdaBackends(loadConfig(undefined, { env: {} }))).toThrow(ConfigError);
    const s3Only = loadConfig({ storage: { type: "s3", bucket: "b" } }, { env: {} });
    expect(() => checkLambdaBackends(s3Only)).toThrow(/index\.type "sqlite"/);
    const aws = loadConfig(
      { storage: { type: "s3", bucket: "b" }, index: { type: "dynamodb", table: "t" } },
      { env: {} },
    );
    expect(() => checkLambdaBackends(aws)).not.toThrow();
  });

  it("checks the store alone when asked to (the webhook keeps tokens in the bucket)", () => {
    const s3Only = loadConfig({ storage: { type: "s3", bucket: "b" } }, { env: {} });
    expect(() => checkLambdaBackends(s3Only, "storage")).not.toThrow();
    const folder = loadConfig(undefined, { env: {} });
    expect(() => checkLambdaBackends(folder, "storage")).toThrow(/storage\.type "fs"/);
  });
});
