/**
 * `zrec serve` end to end: the built CLI as a server on 127.0.0.1, real signed requests over HTTP,
 * zoom-sim with a bandwidth cap so downloads take long enough to answer, kill and stop in the middle of.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { makeWorkspace, readLines, runZrec, sha256File, spawnZrec } from "@zrec/test-utils/cli";
import { until } from "@zrec/test-utils/wait";
import { startZoomSim } from "@zrec/zoom-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

type Sim = Awaited<ReturnType<typeof startZoomSim>>;
type Meeting = ReturnType<Sim["addMeeting"]>;
type LogLine = Record<string, unknown> & { msg: string };

const MiB = 1024 * 1024;

/** A running `zrec serve` child: its JSON log lines as they arrive, and its exit. */
class Server {
  readonly lines: LogLine[] = [];
  stdout = "";
  stderr = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  url = "";
  private pending = "";
  private constructor(readonly child: ChildProcess) {
    child.stdout?.on("data", (chunk: Buffer) => {
      this.stdout += chunk;
      const parts = (this.pending + chunk).split("\n");
      this.pending = parts.pop() ?? "";
      // Every line on stdout must be one JSON object: a stray print would fail the parse here.
      for (const line of parts) this.lines.push(JSON.parse(line) as LogLine);
    });
    child.stderr?.on("data", (chunk: Buffer) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  }

  static async start(cwd: string, env: Record<string, string>, args: string[] = []): Promise<Server> {
    const child = spawnZrec(["serve", "--port", "0", ...args], { cwd, env });
    const server = new Server(child);
    const listening = await server.waitFor((l) => l.msg === "server.listening", 10_000);
    server.url = String(listening.url);
    return server;
  }

  async waitFor(match: (line: LogLine) => boolean, ms = 15_000): Promise<LogLine> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.lines.find(match);
      if (found) return found;
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(`no such log line; stderr: ${this.stderr}\nlog: ${this.stdout}`);
      }
      await sleep(20);
    }
  }

  count(msg: string, job: unknown): number {
    return this.lines.filter((l) => l.msg === msg && l.job === job).length;
  }
}

describe("zrec serve", () => {
  let sim: Sim;
  let ws: Awaited<ReturnType<typeof makeWorkspace>>;
  let env: Record<string, string>;
  let server: Server;
  const servers: Server[] = [];
  const start = async (args: string[] = []) => {
    const started = await Server.start(ws.dir, env, args);
    servers.push(started);
    return started;
  };
  const meetings: Meeting[] = [];
  const meeting = (topic: string, size = 6 * MiB): Meeting => {
    const added = sim.addMeeting({
      topic,
      hostId: "host-1",
      startTime: "2025-02-03T15:00:00Z",
      durationMinutes: 45,
      files: [{ fileType: "MP4", recordingType: "shared_screen_with_speaker_view", size }],
    });
    meetings.push(added);
    return added;
  };
  const post = async (rawBody: string, headers: Record<string, string>, url = server.url) => {
    const response = await fetch(url, { method: "POST", headers, body: rawBody });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const deliver = (m: Meeting) => {
    const { headers, rawBody } = sim.signedWebhook(sim.recordingEvent(m.uuid));
    return { headers, rawBody, send: () => post(rawBody, headers) };
  };
  const documentOf = (m: Meeting) => join(ws.dataDir, m.recordingId, "recording_document.json");
  const outboxFor = async (m: Meeting) =>
    (await readLines(join(ws.dataDir, "outbox.jsonl"))).filter((x) => x.recording_id === m.recordingId);
  const trashesOf = (m: Meeting) => sim.trashCalls.filter((call) => call.uuid === m.uuid);
  const jobs = async (...args: string[]) => {
    const run = await runZrec(["jobs", "list", "--json", ...args], { cwd: ws.dir, env });
    expect(run.code).toBe(0);
    return JSON.parse(run.stdout) as Record<string, unknown>[];
  };

  beforeAll(async () => {
    sim = await startZoomSim();
    sim.addUser({ id: "host-1", email: "host@example.org" });
    // Each connection at 2 MiB/s: a 6 MiB file takes about 3 seconds in two parts.
    sim.setBandwidth(2 * MiB);
    ws = await makeWorkspace(sim, { ingest: { trashAfterIngest: true, partSizeMiB: 5, partConcurrency: 2 } });
    env = { ...ws.env, ZOOM_WEBHOOK_SECRET_TOKEN: sim.webhookSecretToken };
    server = await start();
  });

  afterAll(async () => {
    for (const s of servers) if (s.child.exitCode === null) s.child.kill("SIGKILL");
    await sim?.close();
  });

  it("answers Zoom's URL validation and refuses missing, wrong and stale signatures with 401", async () => {
    const validation = sim.signedWebhook(sim.urlValidationEvent("plain-token-1"));
    const answer = await post(validation.rawBody, validation.headers);
    expect(answer.status).toBe(200);
    expect(answer.body.plainToken).toBe("plain-token-1");
    expect(answer.body.encryptedToken).toMatch(/^[0-9a-f]{64}$/);

    const m = meeting("Signatures");
    const good = sim.signedWebhook(sim.recordingEvent(m.uuid));
    expect((await post(good.rawBody, { "content-type": "application/json" })).status).toBe(401);
    const tampered = good.rawBody.replace("Signatures", "Signaturez");
    expect((await post(tampered, good.headers)).status).toBe(401);
    const stale = sim.signedWebhook(sim.recordingEvent(m.uuid), {
      timestamp: Math.floor(Date.now() / 1000) - 600,
    });
    const refused = await post(stale.rawBody, stale.headers);
    expect(refused).toMatchObject({ status: 401, body: { error: expect.stringMatching(/5 minutes/) } });
    expect(server.lines.filter((l) => l.msg === "webhook.rejected")).toHaveLength(3);
    expect(await jobs()).toEqual([]);

    const health = await fetch(new URL("/healthz", server.url));
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, db: "ok" });
    expect((await fetch(new URL("/elsewhere", server.url))).status).toBe(404);
  });

  it("answers a recording event within 3 seconds while the ingest goes on, and ingests a re-delivery once", async () => {
    const m = meeting("(OLF) Answered at once");
    const delivery = deliver(m);
    const started = Date.now();
    const first = await delivery.send();
    const elapsed = Date.now() - started;
    expect(first).toMatchObject({ status: 200, body: { status: "queued", recording_id: m.recordingId } });
    expect(elapsed).toBeLessThan(3_000);
    expect(existsSync(join(ws.dataDir, m.recordingId, "shared_screen_with_speaker_view.mp4"))).toBe(false);
    expect(existsSync(documentOf(m))).toBe(false);

    // Zoom re-delivers the same body, while the ingest runs and after it is done.
    expect(await delivery.send()).toMatchObject({
      status: 200,
      body: { status: "duplicate", job: first.body.job },
    });
    await until(() => existsSync(documentOf(m)));
    await server.waitFor((l) => l.msg === "job.finished" && l.job === first.body.job);
    expect(await delivery.send()).toMatchObject({
      status: 200,
      body: { status: "duplicate", job: first.body.job },
    });

    expect(server.count("job.started", first.body.job)).toBe(1);
    expect(await outboxFor(m)).toHaveLength(1);
    expect(trashesOf(m)).toEqual([{ uuid: m.uuid, action: "trash", status: 204 }]);
    const stored = join(ws.dataDir, m.recordingId, "shared_screen_with_speaker_view.mp4");
    expect(await sha256File(stored)).toBe(await sim.expectedSha256(m.files[0]?.id ?? ""));
  });

  it("finishes an ingest once after kill -9 in the middle of its download and a restart", async () => {
    const m = meeting("Killed mid-download");
    const fileId = m.files[0]?.id ?? "";
    const { body } = await deliver(m).send();
    await server.waitFor((l) => l.msg === "job.started" && l.job === body.job);
    await until(() => sim.requests.some((r) => r.server === "cdn" && r.path.includes(fileId)));
    await sleep(300);
    server.child.kill("SIGKILL");
    await server.exited;
    expect(existsSync(documentOf(m))).toBe(false);
    expect(await jobs("--state", "running")).toMatchObject([{ id: body.job, attempts: 1 }]);

    server = await start(["--grace-seconds", "1"]);
    await server.waitFor((l) => l.msg === "job.recovered" && l.job === body.job);
    await server.waitFor((l) => l.msg === "job.finished" && l.job === body.job);
    expect(await outboxFor(m)).toHaveLength(1);
    expect(trashesOf(m)).toHaveLength(1);
    const stored = join(ws.dataDir, m.recordingId, "shared_screen_with_speaker_view.mp4");
    expect(await sha256File(stored)).toBe(await sim.expectedSha256(fileId));
    expect((await jobs()).find((j) => j.id === body.job)).toMatchObject({ state: "done", attempts: 2 });
  });

  it("resumes a killed job's copy after a restart instead of fetching it all again", async () => {
    const m = meeting("Killed mid-download, resumed", 4 * 5 * MiB);
    const fileId = m.files[0]?.id ?? "";
    const { body } = await deliver(m).send();
    const parts = join(ws.dataDir, ".zrec-tmp", "resume");
    const checkpoint = async () => {
      for (const folder of await readdir(parts).catch(() => [])) {
        const text = await readFile(join(parts, folder, "checkpoint.json"), "utf8").catch(() => "");
        const found = text === "" ? [] : (JSON.parse(text) as { parts: { partNumber: number }[] }).parts;
        if (found.length > 0) return found.map((p) => p.partNumber);
      }
      return [];
    };
    const deadline = Date.now() + 15_000;
    while ((await checkpoint()).length === 0 && Date.now() < deadline) await sleep(25);
    server.child.kill("SIGKILL");
    await server.exited;
    const stored = await checkpoint();
    expect(stored.length).toBeGreaterThan(0);

    const before = sim.requests.length;
    server = await start(["--grace-seconds", "1"]);
    await server.waitFor((l) => l.msg === "job.finished" && l.job === body.job, 30_000);
    const resumed = await server.waitFor((l) => l.msg === "job.file.resumed" && l.job === body.job);
    expect(resumed.from).toBe(stored.length * 5 * MiB);
    const asked = sim.requests
      .slice(before)
      .filter((r) => r.server === "cdn" && r.path.includes(fileId) && r.range !== undefined)
      .map((r) => Math.floor(Number(/bytes=(\d+)-/.exec(r.range ?? "")?.[1]) / (5 * MiB)) + 1);
    // Part 1 is asked first whatever is stored (it checks the size); no other stored part is fetched.
    expect(asked.filter((part) => part !== 1 && stored.includes(part))).toEqual([]);
    const file = join(ws.dataDir, m.recordingId, "shared_screen_with_speaker_view.mp4");
    expect(await sha256File(file)).toBe(await sim.expectedSha256(fileId));
  });

  it("keeps a job that failed for good with its error, and `zrec jobs retry` runs it again", async () => {
    const m = meeting("Forbidden at first", MiB);
    sim.injectFault({
      target: "api",
      kind: "status",
      status: 403,
      pathIncludes: "/past_meetings/",
      times: Infinity,
    });
    const { body } = await deliver(m).send();
    const failed = await server.waitFor((l) => l.msg === "job.failed" && l.job === body.job);
    expect(failed).toMatchObject({ level: "error", kind: "permanent", recording_id: m.recordingId });
    const listed = await jobs("--state", "failed");
    expect(listed).toMatchObject([{ id: body.job, state: "failed", attempts: 1, error_code: "ZOOM_API" }]);
    expect(String(listed[0]?.last_error)).toMatch(/403/);
    const table = await runZrec(["jobs", "list"], { cwd: ws.dir, env });
    expect(table.stdout).toMatch(new RegExp(`${body.job}\\s+failed\\s+1\\s+${m.recordingId}\\s+completed`));
    expect(table.stdout).toMatch(/\s+done\s+/);

    sim.clearFaults();
    const retry = await runZrec(["jobs", "retry", String(body.job)], { cwd: ws.dir, env });
    expect(retry).toMatchObject({ code: 0, stderr: "" });
    await server.waitFor((l) => l.msg === "job.finished" && l.job === body.job);
    expect(existsSync(documentOf(m))).toBe(true);
    expect((await runZrec(["jobs", "retry", "0123456789abcdef"], { cwd: ws.dir, env })).code).toBe(2);
    expect((await runZrec(["jobs", "retry", String(body.job)], { cwd: ws.dir, env })).code).toBe(2);
  });

  it("on SIGTERM leaves an unfinished ingest queued after the grace period and exits 0", async () => {
    const m = meeting("Stopped by a deploy");
    const { body } = await deliver(m).send();
    await server.waitFor((l) => l.msg === "job.started" && l.job === body.job);
    const signalled = Date.now();
    server.child.kill("SIGTERM");
    expect(await server.exited).toEqual({ code: 0, signal: null });
    // --grace-seconds 1, then the aborted copy cleans up: well before the 3 s download would end.
    expect(Date.now() - signalled).toBeLessThan(3_000);
    expect(server.lines.at(-1)).toMatchObject({ msg: "server.stopped", released: 1 });
    expect(await jobs("--state", "queued")).toMatchObject([{ id: body.job, attempts: 0 }]);
    expect(existsSync(documentOf(m))).toBe(false);

    // The next start picks it up; SIGTERM now lets it finish (default grace 30 s), then exits 0.
    server = await start();
    await server.waitFor((l) => l.msg === "job.started" && l.job === body.job);
    server.child.kill("SIGTERM");
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.count("job.finished", body.job)).toBe(1);
    expect(existsSync(documentOf(m))).toBe(true);
    expect(await outboxFor(m)).toHaveLength(1);
    expect(trashesOf(m)).toHaveLength(1);
  });

  it("never writes a secret or download token to its output or the jobs list", async () => {
    // The sim gives each meeting one download token, so building its event again shows the one sent.
    const tokens = meetings.map(
      (m) => (sim.recordingEvent(m.uuid) as { download_token: string }).download_token,
    );
    const listed = await runZrec(["jobs", "list", "--json"], { cwd: ws.dir, env });
    const outbox = await readFile(join(ws.dataDir, "outbox.jsonl"), "utf8");
    const haystacks = [listed.stdout, outbox, ...servers.flatMap((s) => [s.stdout, s.stderr])];
    const secrets = [env.ZOOM_CLIENT_SECRET, sim.webhookSecretToken, ...tokens, ...sim.issuedAccessTokens()];
    for (const secret of secrets) {
      expect(secret && secret.length > 8).toBe(true);
      for (const text of haystacks) expect(text.includes(secret as string)).toBe(false);
    }
  });
});
