import { thrownBy } from "@zrec/test-utils/thrown";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors.js";
import { accountForZoomAccountId, requireZoomAccount } from "./accounts.js";
import { defaultConfig } from "./defaults.js";
import type { Config, ZoomAccount } from "./types.js";

const acme: ZoomAccount = { accountId: "ACME", clientId: "acme-id", clientSecret: "acme-secret" };
const beta: ZoomAccount = { accountId: "BETA", clientId: "beta-id", clientSecret: "beta-secret" };

function withAccounts(accounts: Record<string, ZoomAccount>, webhookSecretToken = ""): Config {
  return { ...defaultConfig, zoom: { ...defaultConfig.zoom, accounts, webhookSecretToken } };
}

const errorOf = (run: () => unknown) => thrownBy(ConfigError, run);

describe("requireZoomAccount", () => {
  it("returns the named account", () => {
    expect(requireZoomAccount(withAccounts({ default: acme, beta }), "beta")).toEqual({
      name: "beta",
      account: beta,
    });
  });

  it("without a name, picks default, else the only account", () => {
    expect(requireZoomAccount(withAccounts({ beta, default: acme }))).toEqual({
      name: "default",
      account: acme,
    });
    expect(requireZoomAccount(withAccounts({ beta }))).toEqual({ name: "beta", account: beta });
  });

  it("tells how to configure an account when there is none", () => {
    const error = errorOf(() => requireZoomAccount(withAccounts({})));
    expect(error.key).toBe("zoom.accounts.default");
    expect(error.message).toMatch(
      /^No Zoom account is configured: set ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET, or add zoom\.accounts\.default/,
    );
    expect(errorOf(() => requireZoomAccount(withAccounts({}), "default")).message).toMatch(
      /ZOOM_CLIENT_SECRET/,
    );
  });

  it("names the missing account and the configured ones", () => {
    const error = errorOf(() => requireZoomAccount(withAccounts({ default: acme }), "gamma"));
    expect(error.key).toBe("zoom.accounts.gamma");
    expect(error.message).toBe(
      'No Zoom account named "gamma" is configured (configured: default): add zoom.accounts.gamma (accountId, clientId, clientSecret) to the configuration',
    );
    expect(errorOf(() => requireZoomAccount(withAccounts({ default: acme }), "toString")).key).toBe(
      "zoom.accounts.toString",
    );
  });

  it("asks for a name when several accounts exist and none is default", () => {
    const error = errorOf(() => requireZoomAccount(withAccounts({ acme, beta })));
    expect(error.key).toBe("zoom.accounts");
    expect(error.message).toMatch(
      /2 Zoom accounts are configured and none is called "default".*\(acme, beta\)/,
    );
  });

  it("never puts a secret in its message", () => {
    const error = errorOf(() => requireZoomAccount(withAccounts({ acme, beta }), "gamma"));
    expect(error.message).not.toMatch(/secret/);
  });
});

describe("accountForZoomAccountId", () => {
  const config = withAccounts({ default: acme, beta });

  it("picks the account whose accountId matches", () => {
    expect(accountForZoomAccountId(config, "BETA")).toEqual({ name: "beta", account: beta });
  });

  it("falls back to the default or only account", () => {
    expect(accountForZoomAccountId(config, "UNKNOWN")).toEqual({ name: "default", account: acme });
    expect(accountForZoomAccountId(config)).toEqual({ name: "default", account: acme });
    expect(accountForZoomAccountId(withAccounts({ beta }), "UNKNOWN")).toEqual({
      name: "beta",
      account: beta,
    });
  });

  it("throws a ConfigError when nothing fits", () => {
    expect(errorOf(() => accountForZoomAccountId(withAccounts({}), "ACME")).key).toBe(
      "zoom.accounts.default",
    );
    expect(errorOf(() => accountForZoomAccountId(withAccounts({ acme, beta }), "GAMMA")).key).toBe(
      "zoom.accounts",
    );
  });
});
