/**
 * `zrec serve` (the built CLI, real signed HTTP) given the event of a recording whose video Zoom is still
 * processing: the job does not end `done` with the video missing; it waits and is tried again
 * (`serve.retryBaseSeconds`, shortened here), and once Zoom has finished the file the job archives it.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { makeWorkspace, readJson, runZrec, spawnZrec } from "@zrec/test-utils/cli";
import { startZoomSim, type ZoomSim } from "@zrec/zoom-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

type LogLine = Record<string, unknown> & { msg: string };

describe("zrec serve with a file Zoom is still processing", () => {
  let sim: ZoomSim;
  let ws: Awaited<ReturnType<typeof makeWorkspace>>;
  let env: Record<string, string>;
  let child: ChildProcess;
  const lines: LogLine[] = [];
  let stderr = "";

  const waitFor = async (match: (line: LogLine) => boolean, ms = 10_000): Promise<LogLine> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = lines.find(match);
      if (found) return found;
      if (Date.now() > deadline || child.exitCode !== null) {
        throw new Error(`no such log line; stderr: ${stderr}\nlog: ${JSON.stringify(lines)}`);
      }
      await sleep(20);
    }
  };
  const jobs = async () => {
    const run = await runZrec(["jobs", "list", "--json"], { cwd: ws.dir, env });
    expect(run.code).toBe(0);
    return JSON.parse(run.stdout) as Record<string, unknown>[];
  };

  beforeAll(async () => {
    sim = await startZoomSim();
    sim.addUser({ id: "host-1" });
    // The first retry after 0.5-1 s (jittered), then doubling: the whole test takes seconds.
    ws = await makeWorkspace(sim, { serve: { retryBaseSeconds: 1 } });
    env = { ...ws.env, ZOOM_WEBHOOK_SECRET_TOKEN: sim.webhookSecretToken };
    child = spawnZrec(["serve", "--port", "0"], { cwd: ws.dir, env });
    let pending = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      const parts = (pending + chunk).split("\n");
      pending = parts.pop() ?? "";
      for (const line of parts) lines.push(JSON.parse(line) as LogLine);
    });
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk));
    await waitFor((l) => l.msg === "server.listening");
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await sim?.close();
  });

  it("retries the job while the file is processing and completes it once Zoom has finished", async () => {
    const meeting = sim.addMeeting({
      topic: "Still rendering",
      hostId: "host-1",
      startTime: "2025-03-12T15:00:00Z",
      durationMinutes: 30,
      files: [
        { fileType: "MP4", size: 40_000, status: "processing" },
        { fileType: "CHAT", size: 1_000 },
      ],
    });
    const video = meeting.files.find((file) => file.fileType === "MP4");
    const url = String(lines.find((l) => l.msg === "server.listening")?.url);
    const { headers, rawBody } = sim.signedWebhook(sim.recordingEvent(meeting.uuid));
    expect(rawBody).toContain('"status":"processing"');
    const answer = await fetch(url, { method: "POST", headers, body: rawBody });
    expect(answer.status).toBe(200);
    const { job } = await waitFor((l) => l.msg === "webhook.queued");

    // Two tries, each ending in a retry: the job waits for Zoom rather than ending done without the video.
    const isRetry = (attempt: number) => (l: LogLine) =>
      l.msg === "job.retry" && l.job === job && l.attempt === attempt;
    const first = await waitFor(isRetry(1));
    expect(first).toMatchObject({ code: "ZOOM_PROCESSING", level: "warn" });
    expect(String(first.error)).toMatch(/status processing/);
    await waitFor(isRetry(2));
    expect(lines.some((l) => l.msg === "job.finished")).toBe(false);
    // Queued for its next try, or already in it (the backoff is short here): not done, not failed.
    const waiting = (await jobs()).find((j) => j.id === job);
    expect(waiting).toMatchObject({ error_code: "ZOOM_PROCESSING" });
    expect(["queued", "running"]).toContain(waiting?.state);
    expect(sim.trashCalls).toEqual([]);

    sim.setFileStatus(video?.id ?? "", "completed");
    const finished = await waitFor((l) => l.msg === "job.finished" && l.job === job);
    expect(finished).toMatchObject({ status: "ingested", recording_id: meeting.recordingId });

    const done = (await jobs()).find((j) => j.id === job);
    expect(done).toMatchObject({ state: "done", last_error: null });
    expect(Number(done?.attempts)).toBeGreaterThanOrEqual(3);
    const folder = join(ws.dataDir, meeting.recordingId);
    const document = await readJson<{ files: { recording_type: string }[] }>(
      join(folder, "recording_document.json"),
    );
    expect(document.files.map((f) => f.recording_type).sort()).toEqual([
      "chat_file",
      "shared_screen_with_speaker_view",
    ]);
    expect((await readdir(folder)).some((name) => name.endsWith(".mp4"))).toBe(true);
    expect(existsSync(join(folder, "recording_document.json"))).toBe(true);
    // Trashed in Zoom only now that everything is archived.
    expect(sim.trashCalls).toEqual([{ uuid: meeting.uuid, action: "trash", status: 204 }]);
    expect(stderr).toBe("");
  });
});
