/**
 * `zrec site serve` end to end: two recordings ingested from zoom-sim by the built CLI (one of an
 * organisation the site publishes, one of another), `zrec site build`, then the server over HTTP. The
 * published page and its media load; the index, the outbox, the metadata beside the media (passcodes,
 * join URLs), the build manifest and the unpublished recording's files answer 404, as if absent.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { makeWorkspace, runZrec, spawnZrec } from "@zrec/test-utils/cli";
import { startZoomSim } from "@zrec/zoom-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

type Sim = Awaited<ReturnType<typeof startZoomSim>>;
type Workspace = Awaited<ReturnType<typeof makeWorkspace>>;

const PASSCODE = "s3cret-pass";
const MEDIA = ["shared_screen_with_speaker_view.mp4", "audio_only.m4a"];

describe("zrec site serve", () => {
  let sim: Sim;
  let ws: Workspace;
  let server: ChildProcess | undefined;
  let home: string;
  let published: string;
  let hidden: string;

  beforeAll(async () => {
    sim = await startZoomSim();
    sim.addUser({ id: "host-1", email: "host@example.org" });
    const meeting = (topic: string, startTime: string) =>
      sim.addMeeting({
        topic,
        hostId: "host-1",
        startTime,
        durationMinutes: 30,
        password: PASSCODE,
        files: [
          { fileType: "MP4", size: 40_000 },
          { fileType: "M4A", size: 20_000 },
        ],
      });
    const board = meeting("(OLF) Board meeting", "2024-07-04T17:02:30Z");
    const secret = meeting("Secret merger talks", "2024-07-05T14:00:00Z");
    [published, hidden] = [board.recordingId, secret.recordingId];
    ws = await makeWorkspace(sim, {
      organizations: [
        { name: "OLF", match: ["OLF"] },
        { name: "Secret", match: ["Secret"] },
      ],
      site: { organizations: ["OLF"] },
    });
    // At once, to keep the test short: the index and the outbox take concurrent writers.
    const runs = await Promise.all(
      [board.uuid, secret.uuid].map(async (uuid, n) => {
        await writeFile(join(ws.dir, `webhook-${n}.json`), JSON.stringify(sim.recordingEvent(uuid)));
        return runZrec(["ingest", `webhook-${n}.json`, "--json"], { cwd: ws.dir, env: ws.env });
      }),
    );
    for (const run of runs) {
      expect(run.stderr).toBe("");
      expect(JSON.parse(run.stdout)).toMatchObject({ status: "ingested" });
    }
    const build = await runZrec(["site", "build", "--json"], { cwd: ws.dir, env: ws.env });
    expect(build.stderr).toBe("");
    expect(JSON.parse(build.stdout)).toMatchObject({ published: 1 });

    const child = spawnZrec(["site", "serve", "--port", "0", "--json"], { cwd: ws.dir, env: ws.env });
    server = child;
    const firstLine = await new Promise<string>((resolve, reject) => {
      let text = "";
      child.stdout?.on("data", (chunk) => {
        text += chunk;
        if (text.includes("\n")) resolve(text.split("\n")[0] ?? "");
      });
      child.once("exit", (code) => reject(new Error(`zrec site serve exited with ${code}`)));
    });
    home = (JSON.parse(firstLine) as { url: string }).url;
  });

  afterAll(async () => {
    server?.kill("SIGTERM");
    await sim?.close();
    if (ws) await rm(ws.dir, { recursive: true, force: true });
  });

  it("serves the published recording's page and every file it links", async () => {
    const pageUrl = new URL(`rec/${published}.html`, home);
    const page = await fetch(pageUrl);
    expect(page.status).toBe(200);
    const html = await page.text();
    const linked = [...html.matchAll(/(?:src|href)="([^"]+)"/g)]
      .map((m) => new URL((m[1] ?? "").replaceAll("&amp;", "&"), pageUrl))
      .filter((url) => url.pathname.startsWith(`/${published}/`));
    expect(new Set(linked.map((url) => url.pathname.split("/").at(-1)))).toEqual(new Set(MEDIA));
    for (const url of linked) {
      const media = await fetch(url);
      expect(media.status, url.pathname).toBe(200);
      expect((await media.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    expect((await fetch(home)).status).toBe(200);
  });

  it("answers 404 for everything else in the store's folder, though it is there", async () => {
    const refused = [
      "index.db",
      "outbox.jsonl",
      "site/build.json",
      ...["recording_document.json", "meeting.json", "past_meeting.json", "recording.json"].map(
        (name) => `${published}/${name}`,
      ),
      `${published}/audio_only.json`,
      ...MEDIA.map((name) => `${hidden}/${name}`),
      `${hidden}/recording_document.json`,
    ];
    for (const file of refused) {
      expect(existsSync(join(ws.dataDir, file)), `${file} is in the store`).toBe(true);
      for (const method of ["GET", "HEAD"]) {
        const response = await fetch(new URL(`/${file}`, home), { method });
        expect(response.status, `${method} /${file}`).toBe(404);
        expect(await response.text()).not.toContain(PASSCODE);
      }
    }
  });
});
