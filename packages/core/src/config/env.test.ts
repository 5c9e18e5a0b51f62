import { thrownBy } from "@zrec/test-utils/thrown";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigError } from "../errors.js";
import { requireZoomAccount } from "./accounts.js";
import { loadConfig } from "./load.js";

const load = (raw: unknown, env: Record<string, string | undefined>) =>
  loadConfig(raw, { env, baseDir: "/base", source: "zrec.config.json" });

const all = { ZOOM_ACCOUNT_ID: "env-acc", ZOOM_CLIENT_ID: "env-cid", ZOOM_CLIENT_SECRET: "env-sec" };
const fileAccount = { accountId: "file-acc", clientId: "file-cid", clientSecret: "file-sec" };

const errorOf = (raw: unknown, env: Record<string, string>) => thrownBy(ConfigError, () => load(raw, env));

describe("loadConfig: secrets from the environment", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("creates the default account when all three variables are set", () => {
    expect(load({}, all).zoom.accounts).toEqual({
      default: { accountId: "env-acc", clientId: "env-cid", clientSecret: "env-sec" },
    });
  });

  it("overrides the file's default account, variable by variable", () => {
    const raw = { zoom: { accounts: { default: fileAccount, other: fileAccount } } };
    const config = load(raw, { ZOOM_CLIENT_SECRET: "env-sec" });
    expect(config.zoom.accounts.default).toEqual({ ...fileAccount, clientSecret: "env-sec" });
    expect(config.zoom.accounts.other).toEqual(fileAccount);
    expect(raw.zoom.accounts.default.clientSecret).toBe("file-sec");
  });

  it("completes a default account whose secret the file leaves out", () => {
    const raw = { zoom: { accounts: { default: { accountId: "file-acc", clientId: "file-cid" } } } };
    expect(load(raw, { ZOOM_CLIENT_SECRET: "env-sec" }).zoom.accounts.default?.clientSecret).toBe("env-sec");
  });

  it("sets the webhook secret token", () => {
    const raw = { zoom: { webhookSecretToken: "file-token" } };
    expect(load(raw, { ZOOM_WEBHOOK_SECRET_TOKEN: "env-token" }).zoom.webhookSecretToken).toBe("env-token");
    expect(load(raw, {}).zoom.webhookSecretToken).toBe("file-token");
  });

  it("ignores empty variables", () => {
    const config = load(
      { zoom: { accounts: { default: fileAccount }, webhookSecretToken: "file-token" } },
      { ZOOM_ACCOUNT_ID: "", ZOOM_CLIENT_ID: "", ZOOM_CLIENT_SECRET: "", ZOOM_WEBHOOK_SECRET_TOKEN: "" },
    );
    expect(config.zoom.accounts.default).toEqual(fileAccount);
    expect(config.zoom.webhookSecretToken).toBe("file-token");
    expect(load({}, { ZOOM_CLIENT_ID: "", ZOOM_CLIENT_SECRET: undefined }).zoom.accounts).toEqual({});
  });

  it("leaves accounts empty and the token blank when nothing is set (commands check later)", () => {
    const config = load({}, {});
    expect(config.zoom.accounts).toEqual({});
    expect(config.zoom.webhookSecretToken).toBe("");
  });

  it("names the missing variable when a partial set leaves the default account incomplete", () => {
    // The client secret alone may wait: requireZoomAccount asks for it when a command talks to Zoom.
    const noSecret = load({}, { ZOOM_ACCOUNT_ID: "a", ZOOM_CLIENT_ID: "c" });
    expect(noSecret.zoom.accounts.default).toEqual({ accountId: "a", clientId: "c", clientSecret: "" });
    expect(() => requireZoomAccount(noSecret)).toThrow(
      "zoom.accounts.default.clientSecret is required to talk to Zoom (in the file or as the environment variable ZOOM_CLIENT_SECRET)",
    );
    const two = errorOf({}, { ZOOM_CLIENT_SECRET: "s" });
    expect(two.key).toBe("zoom.accounts.default.accountId");
    expect(two.message).toMatch(/ZOOM_ACCOUNT_ID and ZOOM_CLIENT_ID are not/);
  });

  it("names the missing variable when the file's default account lacks what the environment does not give", () => {
    const raw = { zoom: { accounts: { default: { clientSecret: "file-secret" } } } };
    const error = errorOf(raw, { ZOOM_CLIENT_ID: "c" });
    expect(error.key).toBe("zoom.accounts.default.accountId");
    expect(error.message).toMatch(/ZOOM_CLIENT_ID is set but ZOOM_ACCOUNT_ID is not/);
  });

  it("reports a mistake of the file before the variables' incomplete account", () => {
    const secret = { ZOOM_CLIENT_SECRET: "env-sec" };
    const cases: [unknown, string][] = [
      [
        { zoom: { accounts: { default: { accountId: "a", clientid: "b" } } } },
        'zrec.config.json: unknown key "zoom.accounts.default.clientid" (did you mean "clientId"?)',
      ],
      [
        { zoom: { acounts: { default: { accountId: "a", clientId: "b" } } } },
        'zrec.config.json: unknown key "zoom.acounts" (did you mean "accounts"?)',
      ],
      [
        { zoom: { accounts: { default: { accountId: 7 } } } },
        "zrec.config.json: zoom.accounts.default.accountId must be a non-empty string, not a number",
      ],
    ];
    for (const [raw, message] of cases) {
      for (const mode of ["error", "defer"] as const) {
        const error = thrownBy(ConfigError, () =>
          loadConfig(raw, { env: secret, source: "zrec.config.json", incompleteEnvAccount: mode }),
        );
        expect(error.message, `${JSON.stringify(raw)} ${mode}`).toBe(message);
      }
    }
    // A misspelt account name is valid, but the sentence about the variables points at it.
    const named = errorOf({ zoom: { accounts: { Default: { accountId: "a", clientId: "b" } } } }, secret);
    expect(named.message).toMatch(/ZOOM_CLIENT_SECRET is set but ZOOM_ACCOUNT_ID and ZOOM_CLIENT_ID are not/);
    expect(named.suggestion).toMatch(/an account named "Default": did you mean "default"\?/);
  });

  it("with incompleteEnvAccount defer, loads and leaves the sentence to requireZoomAccount", () => {
    const defer = (raw: unknown, env: Record<string, string>) =>
      loadConfig(raw, { env, baseDir: "/base", source: "zrec.config.json", incompleteEnvAccount: "defer" });
    const alone = defer({}, { ZOOM_CLIENT_SECRET: "env-sec" });
    expect(alone.zoom.accounts.default).toEqual({ accountId: "", clientId: "", clientSecret: "env-sec" });
    expect(alone.storage).toEqual({ type: "fs", root: "/base/zrec-data" });
    const refused = thrownBy(ConfigError, () => requireZoomAccount(alone));
    expect(refused.key).toBe("zoom.accounts.default.accountId");
    expect(refused.message).toBe(
      "ZOOM_CLIENT_SECRET is set but ZOOM_ACCOUNT_ID and ZOOM_CLIENT_ID are not, and zoom.accounts.default has no accountId and clientId to complete the default Zoom account",
    );
    const raw = { zoom: { accounts: { Default: { accountId: "a", clientId: "b" } } } };
    const named = defer(raw, { ZOOM_CLIENT_SECRET: "env-sec", ZOOM_ACCOUNT_ID: "acc" });
    expect(named.zoom.accounts.Default).toEqual({ accountId: "a", clientId: "b", clientSecret: "" });
    const hinted = thrownBy(ConfigError, () => requireZoomAccount(named));
    expect(hinted.message).toMatch(
      /^ZOOM_ACCOUNT_ID and ZOOM_CLIENT_SECRET are set but ZOOM_CLIENT_ID is not/,
    );
    expect(hinted.suggestion).toMatch(/"Default": did you mean "default"\?/);
    // The file's own default account is the file's to complete: still refused on loading.
    const own = { zoom: { accounts: { default: { clientSecret: "file-secret" } } } };
    expect(() => defer(own, { ZOOM_CLIENT_ID: "c" })).toThrow(
      /ZOOM_CLIENT_ID is set but ZOOM_ACCOUNT_ID is not/,
    );
  });

  it("leaves a misshapen zoom block to the schema's error", () => {
    expect(errorOf({ zoom: "x" }, all).key).toBe("zoom");
    expect(errorOf({ zoom: { accounts: [] } }, all).key).toBe("zoom.accounts");
    expect(errorOf({ zoom: { accounts: { default: "x" } } }, all).key).toBe("zoom.accounts.default");
  });

  it("reads process.env when no env is given", () => {
    vi.stubEnv("ZOOM_ACCOUNT_ID", "p-acc");
    vi.stubEnv("ZOOM_CLIENT_ID", "p-cid");
    vi.stubEnv("ZOOM_CLIENT_SECRET", "p-sec");
    vi.stubEnv("ZOOM_WEBHOOK_SECRET_TOKEN", "p-token");
    const config = loadConfig(undefined);
    expect(config.zoom.accounts.default?.clientSecret).toBe("p-sec");
    expect(config.zoom.webhookSecretToken).toBe("p-token");
  });
});
