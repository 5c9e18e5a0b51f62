/**
 * Two Zoom accounts, each with its own Server-to-Server app and so its own webhook Secret Token, served
 * by one `zrec serve` (the built CLI): each app's URL validation, each account's events, and an event of
 * one account signed with the other's secret refused.
 */
import type { ChildProcess } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { makeWorkspace, readJson, spawnZrec } from "@zrec/test-utils/cli";
import { until } from "@zrec/test-utils/wait";
import { startZoomSim } from "@zrec/zoom-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

type Sim = Awaited<ReturnType<typeof startZoomSim>>;

const ACCOUNT_A = { accountId: "acct-a", clientId: "client-a", clientSecret: "client-secret-a" };
const ACCOUNT_B = { accountId: "acct-b", clientId: "client-b", clientSecret: "client-secret-b" };

describe("zrec serve with two Zoom accounts", () => {
  let sim: Sim;
  let ws: Awaited<ReturnType<typeof makeWorkspace>>;
  let child: ChildProcess;
  let url = "";
  let stdout = "";

  beforeAll(async () => {
    sim = await startZoomSim({
      accounts: [
        { ...ACCOUNT_A, webhookSecretToken: "whsec-a" },
        { ...ACCOUNT_B, webhookSecretToken: "whsec-b" },
      ],
    });
    sim.addUser({ id: "host-a", accountId: "acct-a" });
    sim.addUser({ id: "host-b", accountId: "acct-b" });
    ws = await makeWorkspace(sim, {
      zoom: {
        accounts: {
          default: { ...ACCOUNT_A, webhookSecretToken: "whsec-a" },
          sales: { ...ACCOUNT_B, webhookSecretToken: "whsec-b" },
        },
        apiBaseUrl: sim.apiBaseUrl,
        oauthUrl: sim.oauthUrl,
        allowedDownloadHosts: ["127.0.0.1"],
      },
    });
    // No shared secret and no ZOOM_CLIENT_SECRET: each account brings its own.
    const { ZOOM_CLIENT_SECRET: _unused, ...env } = ws.env;
    child = spawnZrec(["serve", "--port", "0"], { cwd: ws.dir, env });
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk));
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk));
    await until(() => stdout.includes("server.listening") || child.exitCode !== null, 10_000);
    const line = stdout.split("\n").find((l) => l.includes("server.listening"));
    if (!line) throw new Error(`zrec serve did not start: ${stderr}`);
    url = String(JSON.parse(line).url);
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await sim?.close();
  });

  const post = async (signed: { rawBody: string; headers: Record<string, string> }) => {
    const response = await fetch(url, { method: "POST", headers: signed.headers, body: signed.rawBody });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const meetingOf = (hostId: string, topic: string) =>
    sim.addMeeting({
      topic,
      hostId,
      startTime: "2025-02-03T15:00:00Z",
      durationMinutes: 30,
      files: [{ fileType: "M4A", size: 200_000 }],
    });

  it("answers each app's URL validation with that app's secret", async () => {
    for (const accountId of ["acct-a", "acct-b"]) {
      const answer = await post(sim.signedWebhook(sim.urlValidationEvent("plain"), { accountId }));
      expect(answer.status).toBe(200);
      const expected = createHmac("sha256", sim.webhookSecretFor(accountId)).update("plain").digest("hex");
      expect(answer.body.encryptedToken).toBe(expected);
    }
  });

  it("archives each account's recording with its own credentials and refuses a cross-signed event", async () => {
    const a = meetingOf("host-a", "Account A weekly");
    const b = meetingOf("host-b", "Account B weekly");
    const crossed = sim.signedWebhook(sim.recordingEvent(b.uuid), { accountId: "acct-a" });
    const refused = await post(crossed);
    expect(refused.status).toBe(401);
    expect(String(refused.body.error)).toMatch(/secret token of Zoom account "acct-b"/);
    // The same, naming account B only where the ingest also looks (the host's account in the object):
    // still B's secret that must have signed it, or A's app could have B's recording fetched and trashed.
    const hidden = sim.recordingEvent(b.uuid) as { payload: Record<string, unknown> & { object: object } };
    delete hidden.payload.account_id;
    hidden.payload.object = { ...hidden.payload.object, account_id: "acct-b" };
    const refusedToo = await post(sim.signedWebhook(hidden, { accountId: "acct-a" }));
    expect(refusedToo.status).toBe(401);
    expect(String(refusedToo.body.error)).toMatch(/secret token of Zoom account "acct-b"/);

    expect((await post(sim.signedWebhook(sim.recordingEvent(a.uuid)))).status).toBe(200);
    expect((await post(sim.signedWebhook(sim.recordingEvent(b.uuid)))).status).toBe(200);
    const documentOf = (id: string) => join(ws.dataDir, id, "recording_document.json");
    await until(() => existsSync(documentOf(a.recordingId)) && existsSync(documentOf(b.recordingId)));
    // zoom-sim answers a meeting's metadata only to its own account's token: both present proves it.
    for (const [m, account] of [
      [a, "default"],
      [b, "sales"],
    ] as const) {
      const document = await readJson(documentOf(m.recordingId));
      expect(document).toMatchObject({ meeting_topic: m.topic, zoom_account: account });
      expect(existsSync(join(ws.dataDir, m.recordingId, "past_meeting.json"))).toBe(true);
    }
    for (const secret of ["whsec-a", "whsec-b", "client-secret-a", "client-secret-b"]) {
      expect(stdout).not.toContain(secret);
    }
  });
});
