/**
 * Secrets never leak, on the failure paths too: `zrec ingest --verbose` (which prints stacks and every
 * `cause`) and `--json` runs that fail on OAuth refusing the client secret, the API or every download
 * answering 401, the CDN answering 500 for good, a download URL outside the allowlist, and download URLs
 * that carry a token in their query or userinfo (stored JSON keeps those URLs without it). No client secret, webhook secret, OAuth access token (every one
 * the sim issued) or download token may appear in stdout, stderr, any file under the data folder (the
 * stored objects, the SQLite index read as bytes, the outbox) or any query string the sim received.
 * The successful path is covered by ingest.e2e.test.ts.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { closeRun, makeWorkspace, runZrec } from "@zrec/test-utils/cli";
import { Figures } from "@zrec/test-utils/faults/figures";
import { faultMeeting } from "@zrec/test-utils/zoom-sim";
import { type FaultRule, startZoomSim } from "@zrec/zoom-sim";
import { afterAll, describe, expect, it } from "vitest";

const figures = new Figures("secrets");
const WEBHOOK_SECRET = "whsec-never-print-this-0123456789";
const QUERY_TOKEN = "qtok-never-print-this-9876543210";

afterAll(async () => {
  await figures.write();
});

type Event = { download_token: string; payload: { object: { recording_files: { download_url: string }[] } } };
interface Case {
  name: string;
  fault?: FaultRule;
  /** Changes the event's download URLs. */
  url?: (original: string) => string;
  clientSecret?: string;
}

const cases: Case[] = [
  { name: "OAuth refuses the client secret", clientSecret: "wrong-client-secret-0123456789" },
  {
    name: "the API answers 401 for good",
    fault: { target: "api", kind: "status", status: 401, times: Number.POSITIVE_INFINITY },
  },
  {
    name: "every download URL answers 401",
    fault: { target: "download", kind: "status", status: 401, times: Number.POSITIVE_INFINITY },
  },
  {
    name: "the CDN answers 500 for good",
    fault: { target: "cdn", kind: "status", status: 500, times: Number.POSITIVE_INFINITY },
  },
  {
    name: "a download URL outside the allowlist, with a token in its query",
    url: () => `https://evil.example/rec/download/x?access_token=${QUERY_TOKEN}&x=1`,
  },
  {
    name: "an allowed download URL with a token in its query (the sim answers 400)",
    url: (original) => `${original}?access_token=${QUERY_TOKEN}`,
  },
  {
    name: "a download URL with a token in its userinfo",
    url: (original) => original.replace("http://", `http://user:${QUERY_TOKEN}@`),
  },
];

async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe("no secret in any output, log, stored object or outbox line when an ingest fails", () => {
  it.concurrent.each(cases)("$name", async ({ fault, url, clientSecret }) => {
    const sim = await startZoomSim({ webhookSecretToken: WEBHOOK_SECRET });
    const ws = await makeWorkspace(sim);
    try {
      const meeting = sim.addMeeting(
        faultMeeting("Secrets", [
          { fileType: "MP4", size: 6 * 1024 * 1024 },
          { fileType: "M4A", size: 50_000 },
        ]),
      );
      if (fault) sim.injectFault(fault);
      const event = sim.recordingEvent(meeting.uuid) as unknown as Event;
      if (url)
        for (const file of event.payload.object.recording_files) file.download_url = url(file.download_url);
      await writeFile(join(ws.dir, "webhook.json"), JSON.stringify(event));
      const env = {
        ...ws.env,
        ZOOM_WEBHOOK_SECRET_TOKEN: WEBHOOK_SECRET,
        ...(clientSecret ? { ZOOM_CLIENT_SECRET: clientSecret } : {}),
      };
      // --json puts the error object on stdout; --verbose adds the stack and every cause on stderr.
      const runs = [await runZrec(["ingest", "webhook.json", "--json", "--verbose"], { cwd: ws.dir, env })];
      // Every case fails, but a URL with userinfo on an allowed host still downloads (exit 0): the point
      // is what is printed and stored either way.
      for (const run of runs) {
        expect(run.killedAtDeadline, "zrec did not end").toBe(false);
        expect([0, 1], run.stderr).toContain(run.code);
      }
      if (runs[0]?.code === 1) {
        expect(runs[0]?.stderr).toMatch(/^zrec: /);
        expect(JSON.parse(runs[0]?.stdout ?? "")).toHaveProperty("error.message");
        // --verbose did print the stack (and causes): those are searched too.
        expect(runs[0]?.stderr).toMatch(/\n\s+at /);
      }

      const secrets = [
        ws.env.ZOOM_CLIENT_SECRET,
        clientSecret,
        WEBHOOK_SECRET,
        event.download_token,
        QUERY_TOKEN,
        ...sim.issuedAccessTokens(),
      ].filter((s): s is string => typeof s === "string" && s.length >= 8);
      const haystacks: [string, string][] = runs.flatMap((run, i) => [
        [`run ${i} stdout`, run.stdout],
        [`run ${i} stderr`, run.stderr],
      ]);
      for (const file of await allFiles(ws.dataDir)) {
        haystacks.push([file, (await readFile(file)).toString("latin1")]);
      }
      for (const request of sim.requests) {
        haystacks.push([`query of ${request.method} ${request.path}`, JSON.stringify(request.query)]);
      }
      figures.add("failedRuns", runs.length);
      figures.add("placesSearched", haystacks.length);
      figures.add("secretsLookedFor", secrets.length);
      for (const [where, text] of haystacks) {
        for (const secret of secrets) {
          const leaked = text.includes(secret);
          if (leaked) figures.add("secretsLeaked");
          expect(leaked, `${where} holds a secret (${secret.slice(0, 4)}…)`).toBe(false);
        }
      }
      // The CDN never got an Authorization header, and no token rode in a query zrec built.
      expect(sim.requests.filter((r) => r.server === "cdn" && r.hasAuthorization)).toEqual([]);
      figures.add("cases");
    } finally {
      await closeRun(ws, sim);
    }
  });
});
