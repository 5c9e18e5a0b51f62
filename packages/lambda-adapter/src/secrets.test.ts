/** Secrets from SSM and Secrets Manager through the real SDK clients, answered by nock. */
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SSMClient } from "@aws-sdk/client-ssm";
import { ConfigError } from "@zrec/core";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { fakeAws } from "../test/support/fake-aws.js";
import { loadHandlerConfig } from "./config.js";
import { resolveZoomSecrets } from "./secrets.js";

const SSM = "http://ssm.zrec.test";
const SECRETS = "http://secretsmanager.zrec.test";
const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };
const clients = () => ({
  ssm: new SSMClient({ region: "us-east-1", endpoint: SSM, credentials, maxAttempts: 1 }),
  secretsManager: new SecretsManagerClient({
    region: "us-east-1",
    endpoint: SECRETS,
    credentials,
    maxAttempts: 1,
  }),
});
const parameters =
  (values: Record<string, string>) =>
  (request: { body: Record<string, unknown> }): [number, object] => {
    const names = request.body.Names as string[];
    return [
      200,
      {
        Parameters: names
          .filter((n) => n in values)
          .map((Name) => ({ Name, Type: "SecureString", Value: values[Name] })),
        InvalidParameters: names.filter((n) => !(n in values)),
      },
    ];
  };

describe("resolveZoomSecrets", () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.enableNetConnect());

  it("reads the *_PARAMETER names from SSM in one decrypted call; a plain variable wins", async () => {
    const requests = fakeAws(SSM, parameters({ "/z/account-id": "acc", "/z/client-secret": "s3cret" }));
    const { env } = await resolveZoomSecrets(
      {
        ZOOM_ACCOUNT_ID_PARAMETER: "/z/account-id",
        ZOOM_CLIENT_SECRET_PARAMETER: "/z/client-secret",
        ZOOM_CLIENT_ID: "plain-id",
        ZOOM_CLIENT_ID_PARAMETER: "/z/client-id",
      },
      clients(),
    );
    expect(env).toMatchObject({
      ZOOM_ACCOUNT_ID: "acc",
      ZOOM_CLIENT_ID: "plain-id",
      ZOOM_CLIENT_SECRET: "s3cret",
    });
    expect(requests).toEqual([
      {
        target: "AmazonSSM.GetParameters",
        body: { Names: ["/z/account-id", "/z/client-secret"], WithDecryption: true },
      },
    ]);
  });

  it("names the variable whose SSM parameter does not exist", async () => {
    fakeAws(SSM, parameters({}));
    const failure = await resolveZoomSecrets({ ZOOM_CLIENT_SECRET_PARAMETER: "/z/nope" }, clients()).catch(
      (e) => e,
    );
    expect(failure).toBeInstanceOf(ConfigError);
    expect(failure).toMatchObject({
      key: "ZOOM_CLIENT_SECRET_PARAMETER",
      message: expect.stringContaining("/z/nope"),
    });
  });

  it("reads a Secrets Manager secret, with named accounts for several Zoom accounts", async () => {
    const requests = fakeAws(SECRETS, () => [
      200,
      {
        Name: "zrec/zoom",
        SecretString: JSON.stringify({
          ZOOM_ACCOUNT_ID: "acc",
          ZOOM_CLIENT_ID: "id",
          ZOOM_CLIENT_SECRET: "s3cret",
          ZOOM_WEBHOOK_SECRET_TOKEN: "token",
          accounts: { second: { accountId: "acc2", clientId: "id2", clientSecret: "s3cret2" } },
        }),
      },
    ]);
    const config = await loadHandlerConfig({ ZOOM_SECRET_ID: "zrec/zoom" }, clients());
    expect(requests[0]).toEqual({ target: "secretsmanager.GetSecretValue", body: { SecretId: "zrec/zoom" } });
    expect(config.zoom.webhookSecretToken).toBe("token");
    expect(Object.keys(config.zoom.accounts).sort()).toEqual(["default", "second"]);
    expect(config.zoom.accounts.second?.clientSecret).toBe("s3cret2");
  });

  it("says what is wrong with a secret without quoting it", async () => {
    fakeAws(SECRETS, () => [200, { SecretString: "not json s3cret-value" }]);
    const notJson = await resolveZoomSecrets({ ZOOM_SECRET_ID: "zrec/zoom" }, clients()).catch(
      (e: Error) => e,
    );
    expect(notJson).toBeInstanceOf(ConfigError);
    expect(String(notJson)).not.toContain("s3cret-value");

    fakeAws(SECRETS, () => [200, { SecretString: JSON.stringify({ ZOOM_CLIENT_SECRTE: "s3cret-value" }) }]);
    const typo = await resolveZoomSecrets({ ZOOM_SECRET_ID: "zrec/zoom" }, clients()).catch((e: Error) => e);
    expect(String(typo)).toMatch(/unknown key "ZOOM_CLIENT_SECRTE"/);
    expect(String(typo)).not.toContain("s3cret-value");

    fakeAws(SECRETS, () => [200, { SecretString: JSON.stringify({ ZOOM_CLIENT_SECRET: 86420975 }) }]);
    const number = await resolveZoomSecrets({ ZOOM_SECRET_ID: "zrec/zoom" }, clients()).catch(
      (e: Error) => e,
    );
    expect(number).toBeInstanceOf(ConfigError);
    expect(String(number)).toMatch(/"ZOOM_CLIENT_SECRET" is a number, not a string/);
    expect(String(number)).not.toContain("86420975");

    fakeAws(SECRETS, () => [200, { SecretString: JSON.stringify({ accounts: ["s3cret-value"] }) }]);
    const list = await resolveZoomSecrets({ ZOOM_SECRET_ID: "zrec/zoom" }, clients()).catch((e: Error) => e);
    expect(String(list)).toMatch(/"accounts" is a list, not an object of named accounts/);
    expect(String(list)).not.toContain("s3cret-value");
  });

  it("reads one SSM parameter set per account named in ZOOM_ACCOUNTS, at most 10 names a call", async () => {
    const values: Record<string, string> = {};
    for (const name of ["a", "b", "c"]) {
      values[`/z/accounts/${name}/account-id`] = `acct-${name}`;
      values[`/z/accounts/${name}/client-id`] = `id-${name}`;
      values[`/z/accounts/${name}/client-secret`] = `s3cret-${name}`;
    }
    values["/z/accounts/b/webhook-secret-token"] = "whsec-b";
    const requests = fakeAws(SSM, parameters(values), { times: 2 });
    const config = await loadHandlerConfig(
      {
        ZOOM_ACCOUNTS: "a, b,c",
        ZOOM_ACCOUNTS_PARAMETER_PATH: "/z/accounts/",
        ZOOM_WEBHOOK_SECRET_TOKEN: "shared",
      },
      clients(),
    );
    expect(requests.map((r) => (r.body.Names as string[]).length)).toEqual([10, 2]);
    expect(config.zoom.accounts.a).toEqual({
      accountId: "acct-a",
      clientId: "id-a",
      clientSecret: "s3cret-a",
    });
    expect(config.zoom.accounts.b?.webhookSecretToken).toBe("whsec-b");
    expect(config.zoom.webhookSecretToken).toBe("shared");
  });

  it("names the account whose SSM parameter is missing, and refuses accounts without a path", async () => {
    fakeAws(SSM, parameters({ "/z/accounts/a/account-id": "acct-a" }));
    const missing = await resolveZoomSecrets(
      { ZOOM_ACCOUNTS: "a", ZOOM_ACCOUNTS_PARAMETER_PATH: "/z/accounts" },
      clients(),
    ).catch((e) => e);
    expect(missing).toBeInstanceOf(ConfigError);
    expect(String(missing.message)).toMatch(/\/z\/accounts\/a\/client-id of Zoom account "a"/);
    const noPath = await resolveZoomSecrets({ ZOOM_ACCOUNTS: "a" }, clients()).catch((e) => e);
    expect(noPath).toMatchObject({ key: "ZOOM_ACCOUNTS_PARAMETER_PATH" });
  });
});
