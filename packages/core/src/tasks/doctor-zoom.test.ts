import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simAccount } from "@zrec/test-utils/zoom-sim";
import { ACCOUNT_RECORDINGS_SCOPE, DEFAULT_SCOPES, startZoomSim, type ZoomSim } from "@zrec/zoom-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config/load.js";
import { runDoctor } from "./doctor.js";

const FULL = simAccount("a");
const NO_LISTING = simAccount("b", {
  scopes: DEFAULT_SCOPES.filter((scope) => scope !== ACCOUNT_RECORDINGS_SCOPE),
});
const NO_DELETE = simAccount("c", {
  scopes: DEFAULT_SCOPES.filter((scope) => scope !== "recording:write:admin"),
});

let sim: ZoomSim;
beforeAll(async () => {
  sim = await startZoomSim({ accounts: [FULL, NO_LISTING, NO_DELETE] });
});
afterAll(async () => {
  await sim?.close();
});

const credentials = ({ accountId, clientId, clientSecret }: typeof FULL) => ({
  accountId,
  clientId,
  clientSecret,
});

describe("runDoctor per Zoom account", () => {
  it("says which webhook secret each account uses and names the scopes a feature lacks", async () => {
    const config = loadConfig(
      {
        zoom: {
          accounts: {
            a: { ...credentials(FULL), webhookSecretToken: "own-secret" },
            b: credentials(NO_LISTING),
            c: credentials(NO_DELETE),
          },
          webhookSecretToken: "shared-secret",
          apiBaseUrl: sim.apiBaseUrl,
          oauthUrl: sim.oauthUrl,
        },
        ingest: { trashAfterIngest: true },
      },
      { baseDir: await mkdtemp(join(tmpdir(), "zrec-doctor-")), env: {} },
    );
    const checks = Object.fromEntries((await runDoctor(config)).map((c) => [c.check, c]));
    expect(checks["zoom.accounts.a.webhook"]?.detail).toMatch(/its own webhookSecretToken/);
    expect(checks["zoom.accounts.b.webhook"]?.detail).toMatch(/shared zoom\.webhookSecretToken/);
    expect(checks["zoom.accounts.a.scopes"]).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/account-level listing granted/),
    });
    expect(checks["zoom.accounts.b.scopes"]).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/account-level listing not granted .*sweeps list per user/),
    });
    expect(checks["zoom.accounts.c.scopes"]).toMatchObject({
      ok: false,
      detail: expect.stringMatching(
        /delete recordings \(ingest\.trashAfterIngest\) needs recording:write:admin/,
      ),
    });
    const shown = JSON.stringify(checks);
    for (const secret of ["own-secret", "shared-secret", "secret-a", "secret-b"])
      expect(shown).not.toContain(secret);
  });
});
