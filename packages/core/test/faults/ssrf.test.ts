/**
 * SSRF through a crafted payload, end to end through runIngest: a webhook whose download_url (or the
 * redirect it answers with) points somewhere outside `zoom.allowedDownloadHosts` must be refused before
 * any request is made, and nothing stored for it (no file, no document, no row, no notification, no
 * trash).
 *
 * Proof that nothing was sent: downloads go through a dispatcher that records every origin zrec asks to
 * connect to and refuses (before any socket) every one that is not loopback, so no test can reach
 * 169.254.169.254 or any other address even if the allowlist broke; and a canary server on 127.0.0.1
 * counts requests to the loopback targets (`127.0.0.1` when it is not allowed, `localhost`, decimal and
 * hex forms of 127.0.0.1). The Zoom API calls go to zoom-sim on 127.0.0.1.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Figures } from "@zrec/test-utils/faults/figures";
import { LoopbackOnly } from "@zrec/test-utils/faults/loopback-guard";
import { faultMeeting } from "@zrec/test-utils/zoom-sim";
import type { SimMeeting } from "@zrec/zoom-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IngestFailed } from "../../src/errors.js";
import { runIngest } from "../../src/pipeline/run-ingest.js";
import { attempt, checkRun, type IngestWorld, openWorld, type WorldOptions } from "./ingest-world.js";

const figures = new Figures("ssrf");
let canary: Server;
let canaryPort: number;
const canaryHits: string[] = [];
let redirector: Server;
let redirectorPort: number;

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
}
function close(server: Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

beforeAll(async () => {
  canary = createServer((req, res) => {
    canaryHits.push(`${req.method} ${req.url}`);
    res.end("you should not be here");
  });
  canaryPort = await listen(canary);
  // Answers every GET with a 302 to the URL in its path (base64url): a hostile "Zoom" download host.
  redirector = createServer((req, res) => {
    const target = Buffer.from((req.url ?? "/").slice(1).split("?")[0] ?? "", "base64url").toString("utf8");
    res.writeHead(302, { location: target });
    res.end();
  });
  redirectorPort = await listen(redirector);
});
afterAll(async () => {
  await close(canary);
  await close(redirector);
  await figures.write();
});

/**
 * The download URLs a crafted payload may carry; none may be fetched with Zoom's default allowlist.
 * `{canary}` is the canary server's port.
 */
const hostileUrls = [
  `http://127.0.0.1:{canary}/rec/download/x`,
  `http://localhost:{canary}/rec/download/x`,
  `http://2130706433:{canary}/`, // 127.0.0.1 in decimal
  `http://0x7f000001:{canary}/`, // and in hex
  `http://127.1:{canary}/`,
  "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
  "http://[fd00:ec2::254]/latest/meta-data/",
  "http://10.0.0.5/internal",
  "http://192.168.1.1/admin",
  "http://172.16.0.1/",
  "http://[::1]/",
  "http://[::ffff:169.254.169.254]/",
  "http://0.0.0.0/",
  "file:///etc/passwd",
  "ftp://zoom.us/rec/x",
  "gopher://zoom.us:70/x",
  "data:text/plain,hello",
  "javascript:alert(1)",
  "https://zoom.us@evil.example/rec/x",
  "https://evil.example/zoom.us",
  "https://zoom.us.evil.example/rec/x",
  "https://evilzoom.us/rec/x",
  "https://zoom.us%2f@evil.example/",
  "https:\\\\evil.example\\rec",
  "//evil.example/rec",
  "not a url at all",
];

/** Redirect targets from a download host that is allowed (127.0.0.1 here). */
const hostileRedirects = [
  `http://localhost:{canary}/after-redirect`,
  "http://169.254.169.254/latest/meta-data/",
  "http://10.1.2.3/",
  "http://[::1]:1/",
  "file:///etc/shadow",
  "ftp://127.0.0.1/x",
  "https://zoom.us@evil.example/",
  "https://zoom.us.evil.example/",
  "//169.254.169.254/relative-scheme",
];

interface Case {
  url: string;
  allowed: string[];
  via: "payload" | "redirect";
}

async function runCase(world: IngestWorld, meeting: SimMeeting, guard: LoopbackOnly, downloadUrl: string) {
  const event = world.sim.recordingEvent(meeting.uuid) as {
    payload: { object: { recording_files: { download_url: string }[] } };
  };
  for (const file of event.payload.object.recording_files) file.download_url = downloadUrl;
  return attempt(() => runIngest(event, { ...world.deps, dispatcher: guard }));
}

describe("SSRF: a download URL outside zoom.allowedDownloadHosts is refused before any request", () => {
  const cases: Case[] = [
    ...hostileUrls.map((url) => ({
      url,
      allowed: ["zoom.us", "*.zoom.us", "zoom.com", "*.zoom.com"],
      via: "payload" as const,
    })),
    ...hostileRedirects.map((url) => ({ url, allowed: ["127.0.0.1"], via: "redirect" as const })),
  ];

  it.each(cases)("$via $url", async ({ url: template, allowed, via }) => {
    // The canary's port is known only once it listens: the case names carry a placeholder.
    const url = template.replaceAll("{canary}", String(canaryPort));
    const world = await openWorld({ config: { zoom: { allowedDownloadHosts: allowed } } });
    const guard = new LoopbackOnly();
    try {
      // A file Zoom gives no id (CC, TIMELINE) is downloaded from the event's URL: a file the API lists
      // by id is taken from the API's URL, so a forged URL of it is never fetched (trash-guard.test.ts).
      const meeting = world.sim.addMeeting(faultMeeting("SSRF attempt", [{ fileType: "CC", size: 10_000 }]));
      const hitsBefore = canaryHits.length;
      const downloadUrl =
        via === "payload"
          ? url
          : `http://127.0.0.1:${redirectorPort}/${Buffer.from(url, "utf8").toString("base64url")}`;
      const outcome = await runCase(world, meeting, guard, downloadUrl);
      figures.add("badInputs");
      figures.addKind("refusedBy", via);

      expect(outcome.ok).toBe(false);
      if (outcome.ok) return;
      expect(outcome.error).toBeInstanceOf(IngestFailed);
      const message = (outcome.error as Error).message;
      expect(message).toMatch(/Refusing|not a valid URL|cannot be read|no download_url/);
      // Nothing left the machine, and nothing reached the canary.
      expect(guard.refused).toEqual([]);
      expect(canaryHits.length).toBe(hitsBefore);
      // A payload URL is refused before any download request; a redirect after exactly the one request
      // to the allowed host that answered it.
      const downloads = guard.attempted;
      expect(downloads).toEqual(via === "payload" ? [] : [`http://127.0.0.1:${redirectorPort}`]);
      expect(world.sim.requests.filter((r) => r.server === "cdn")).toEqual([]);
      // Nothing stored for the file, no document, no row, no notification, no trash.
      expect(await checkRun(world, meeting, outcome)).toEqual([]);
      const keys = (await world.keys()).filter((k) => k.startsWith(`${meeting.recordingId}/`));
      expect(keys.map((k) => k.slice(meeting.recordingId.length + 1)).sort()).toEqual([
        "meeting.json",
        "past_meeting.json",
        "recording.json",
      ]);
      figures.add("refusedBeforeAnyRequest");
    } finally {
      await guard.close();
      await world.close();
    }
  });

  /** Runs `use` on a fresh world, a loopback guard and one M4A meeting of `topic`, then closes both. */
  async function withM4aMeeting(
    topic: string,
    options: WorldOptions,
    use: (world: IngestWorld, guard: LoopbackOnly, meeting: SimMeeting) => Promise<void>,
  ): Promise<void> {
    const world = await openWorld(options);
    const guard = new LoopbackOnly();
    try {
      await use(world, guard, world.sim.addMeeting(faultMeeting(topic, [{ fileType: "M4A", size: 10_000 }])));
    } finally {
      await guard.close();
      await world.close();
    }
  }

  it("an empty download_url is not downloadable: nothing fetched, and the recording is kept in Zoom", async () => {
    const options = { config: { zoom: { allowedDownloadHosts: ["zoom.us"] } } };
    await withM4aMeeting("Empty URL", options, async (world, guard, meeting) => {
      const outcome = await runCase(world, meeting, guard, "");
      figures.add("badInputs");
      expect(outcome.ok && outcome.result).toMatchObject({ files: [], trashed: "incomplete" });
      expect(guard.attempted).toEqual([]);
      expect(world.sim.trashCalls).toEqual([]);
    });
  });

  it("a file the API lists by id is fetched from the API's URL: the payload's is never asked", async () => {
    await withM4aMeeting("Listed file", {}, async (world, guard, meeting) => {
      const hostile = Buffer.from("http://169.254.169.254/latest/meta-data/", "utf8").toString("base64url");
      const outcome = await runCase(world, meeting, guard, `http://127.0.0.1:${redirectorPort}/${hostile}`);
      expect(outcome.ok).toBe(true);
      expect(guard.attempted).not.toContain(`http://127.0.0.1:${redirectorPort}`);
      expect(guard.refused).toEqual([]);
      expect(await checkRun(world, meeting, outcome)).toEqual([]);
    });
  });

  it("the same world fetches from an allowed host (the guard and canary do not refuse everything)", async () => {
    await withM4aMeeting("Control", {}, async (world, guard, meeting) => {
      const outcome = await attempt(() =>
        runIngest(world.sim.recordingEvent(meeting.uuid), { ...world.deps, dispatcher: guard }),
      );
      expect(outcome.ok).toBe(true);
      expect(guard.attempted.length).toBeGreaterThan(0);
      expect(guard.refused).toEqual([]);
      expect(await checkRun(world, meeting, outcome)).toEqual([]);
    });
  });
});
