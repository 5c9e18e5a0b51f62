import { createHmac } from "node:crypto";
import { thrownBy } from "@zrec/test-utils/thrown";
import { describe, expect, it } from "vitest";
import { ConfigError, WebhookRejected } from "../errors.js";
import { handleWebhook, signWebhook } from "../zoom/webhook.js";
import { loadConfig } from "./load.js";
import { webhookSecrets } from "./webhook-secrets.js";

const account = (id: string, webhookSecretToken?: string) => ({
  accountId: id,
  clientId: `${id}-client`,
  clientSecret: `${id}-client-secret`,
  ...(webhookSecretToken === undefined ? {} : { webhookSecretToken }),
});

const twoAccounts = (shared = "") =>
  loadConfig(
    {
      zoom: {
        webhookSecretToken: shared,
        accounts: { default: account("acct-a", "secret-a"), sales: account("acct-b", "secret-b") },
      },
    },
    { env: {} },
  );

const nowSeconds = 1_700_000_000;

function request(body: unknown, signedWith: string, config = twoAccounts()) {
  const rawBody = JSON.stringify(body);
  return {
    headers: signWebhook(rawBody, signedWith, nowSeconds),
    rawBody,
    secret: webhookSecrets(config),
    now: nowSeconds * 1000,
  };
}

const recordingEvent = (accountId: string | undefined) => ({
  event: "recording.completed",
  payload: {
    ...(accountId === undefined ? {} : { account_id: accountId }),
    object: { uuid: "CnIDrQSsRdi9bWp3jyJsZQ==", id: 1, topic: "t", recording_files: [] },
  },
});

const rejection = (run: () => unknown) => thrownBy(WebhookRejected, run);

describe("per-account webhook secrets", () => {
  it("accepts each account's event signed with its own account's secret", () => {
    expect(handleWebhook(request(recordingEvent("acct-a"), "secret-a")).kind).toBe("recording");
    expect(handleWebhook(request(recordingEvent("acct-b"), "secret-b")).kind).toBe("recording");
  });

  it("refuses an event of one account signed with another account's secret", () => {
    const crossed = rejection(() => handleWebhook(request(recordingEvent("acct-b"), "secret-a")));
    expect(crossed.status).toBe(401);
    expect(crossed.message).toContain('"acct-b"');
    expect(crossed.message).not.toContain("secret-a");
    expect(rejection(() => handleWebhook(request(recordingEvent("acct-a"), "secret-b"))).status).toBe(401);
  });

  it("answers url_validation with the secret that signed it", () => {
    const body = { event: "endpoint.url_validation", payload: { plainToken: "plain" } };
    for (const secret of ["secret-a", "secret-b"]) {
      const outcome = handleWebhook(request(body, secret));
      const expected = createHmac("sha256", secret).update("plain").digest("hex");
      expect(outcome).toMatchObject({ kind: "url_validation", body: { encryptedToken: expected } });
    }
    expect(rejection(() => handleWebhook(request(body, "secret-c"))).status).toBe(401);
  });

  it("verifies accounts without their own secret with the shared one, and only with it", () => {
    const config = loadConfig(
      {
        zoom: {
          webhookSecretToken: "shared",
          accounts: { default: account("acct-a"), sales: account("acct-b", "secret-b") },
        },
      },
      { env: {} },
    );
    expect(handleWebhook(request(recordingEvent("acct-a"), "shared", config)).kind).toBe("recording");
    expect(rejection(() => handleWebhook(request(recordingEvent("acct-b"), "shared", config))).status).toBe(
      401,
    );
  });

  it("holds an unknown account's event to the secret of the account that would fetch it", () => {
    // The pipeline falls back to the default account for an unknown account_id: so must the check.
    expect(handleWebhook(request(recordingEvent("acct-x"), "secret-a")).kind).toBe("recording");
    expect(handleWebhook(request(recordingEvent(undefined), "secret-a")).kind).toBe("recording");
    expect(rejection(() => handleWebhook(request(recordingEvent("acct-x"), "secret-b"))).status).toBe(401);
  });

  it("refuses an account's event when neither it nor the shared key has a secret", () => {
    const config = loadConfig(
      { zoom: { accounts: { default: account("acct-a"), sales: account("acct-b", "secret-b") } } },
      { env: {} },
    );
    expect(webhookSecrets(config).forAccount("acct-a")).toBeUndefined();
    expect(rejection(() => handleWebhook(request(recordingEvent("acct-a"), "secret-b", config))).status).toBe(
      401,
    );
  });

  it("names the keys when no secret at all is configured", () => {
    const config = loadConfig({ zoom: { accounts: { default: account("acct-a") } } }, { env: {} });
    expect(webhookSecrets(config).all).toEqual([]);
    expect(() => handleWebhook(request(recordingEvent("acct-a"), "x", config))).toThrow(ConfigError);
  });

  it("keeps the shared secret from ZOOM_WEBHOOK_SECRET_TOKEN beside every account's own", () => {
    const config = loadConfig(
      { zoom: { accounts: { sales: account("acct-b", "secret-b") } } },
      { env: { ZOOM_WEBHOOK_SECRET_TOKEN: "from-env" } },
    );
    expect(webhookSecrets(config).all.sort()).toEqual(["from-env", "secret-b"]);
  });

  it("refuses an empty per-account secret, naming the key", () => {
    expect(() =>
      loadConfig({ zoom: { accounts: { sales: account("acct-b", "") } } }, { env: {}, source: "z.json" }),
    ).toThrow(/zoom\.accounts\.sales\.webhookSecretToken/);
  });
});
