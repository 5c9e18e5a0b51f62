/**
 * Bad input through the built CLI: event files and documents that are huge (5 MB), nested 100,000 deep,
 * not JSON, or of the wrong shape, and configuration files that are huge, deep, of the wrong type or
 * with unknown keys. Each must end in one clear sentence on stderr naming the file and the problem (exit 2
 * for bad input), or be handled (a big but valid event is archived): never a stack trace, never a
 * crash, never a secret or the file's text quoted back. Key-by-key wrong types of every documented
 * configuration key are covered in core (config/errors.test.ts, junk.test.ts); here one of each kind
 * shows they reach the user the same way.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeWorkspace, runZrec } from "@zrec/test-utils/cli";
import { Figures } from "@zrec/test-utils/faults/figures";
import { faultMeeting } from "@zrec/test-utils/zoom-sim";
import { startZoomSim } from "@zrec/zoom-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

type Sim = Awaited<ReturnType<typeof startZoomSim>>;
const figures = new Figures("bad-input-cli");
const DEPTH = 100_000;
const FIVE_MB = 5 * 1024 * 1024;
let sim: Sim;
let ws: Awaited<ReturnType<typeof makeWorkspace>>;
let meeting: ReturnType<Sim["addMeeting"]>;
let event: Record<string, unknown>;

beforeAll(async () => {
  sim = await startZoomSim();
  ws = await makeWorkspace(sim);
  meeting = sim.addMeeting(faultMeeting("Bad input", [{ fileType: "M4A", size: 20_000 }]));
  event = sim.recordingEvent(meeting.uuid);
});
afterAll(async () => {
  await sim?.close();
  await rm(ws.dir, { recursive: true, force: true });
  await figures.write();
});

const deepArray = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
/** The JSON of `value` with `"__deep__"` replaced by `inner` (built as text: JSON.stringify cannot nest so). */
const withRaw = (value: unknown, inner: string) => JSON.stringify(value).replace('"__deep__"', inner);

/** What every refusal must look like: exit 2, one sentence (plus a suggestion at most), no stack. */
function expectRefused(run: { code: number; stderr: string; stdout: string }, file: string, problem: RegExp) {
  expect(run.code, run.stderr).toBe(2);
  const lines = run.stderr.trim().split("\n");
  expect(lines.length).toBeLessThanOrEqual(2);
  expect(lines[0]).toMatch(/^zrec: /);
  expect(run.stderr).toContain(file);
  expect(run.stderr).toMatch(problem);
  expect(run.stderr).not.toMatch(/\n\s+at |RangeError|Maximum call stack|TypeError/);
  expect(run.stderr.length).toBeLessThan(1_000);
}

describe("zrec ingest with a bad event file", () => {
  const cases: [name: string, text: () => string, problem: RegExp][] = [
    ["an array nested 100,000 deep", () => deepArray(DEPTH), /not a recording event: it is a list/],
    ["an object nested 100,000 deep", () => deepObject(DEPTH), /nested more than \d+ levels deep/],
    [
      "a real event with a field nested 100,000 deep",
      () => withRaw({ ...event, extra: "__deep__" }, deepArray(DEPTH)),
      /nested more than \d+ levels deep/,
    ],
    [
      "a real event whose file object holds 100,000 levels",
      () => {
        const copy = structuredClone(event) as {
          payload: { object: { recording_files: Record<string, unknown>[] } };
        };
        (copy.payload.object.recording_files[0] as Record<string, unknown>).extra = "__deep__";
        return withRaw(copy, deepObject(DEPTH));
      },
      /nested more than \d+ levels deep/,
    ],
    ["5 MB that is not JSON", () => `{"event": "recording.completed", ${"x".repeat(FIVE_MB)}`, /is not JSON/],
    ["5 MB of one unterminated string", () => `{"event": "${"y".repeat(FIVE_MB)}`, /is not JSON/],
    ["a number", () => "42", /it is a number/],
    ["an empty file", () => "", /is not JSON/],
    ["binary junk", () => "\u0000\u0001\u00ff\ufffe{", /is not JSON/],
    [
      "an event whose uuid is a 5 MB string",
      () => {
        const copy = structuredClone(event) as { payload: { object: { uuid: string } } };
        copy.payload.object.uuid = "A".repeat(FIVE_MB);
        return JSON.stringify(copy);
      },
      /payload\.object\.uuid/,
    ],
    [
      "an event whose id is a string",
      () =>
        JSON.stringify({
          ...event,
          payload: { object: { ...(event.payload as { object: object }).object, id: "1" } },
        }),
      /"payload\.object\.id" is a string, not a number/,
    ],
  ];

  it.concurrent.each(cases.map((c, i) => [...c, `bad-${i}.json`] as const))(
    "%s: exit 2, one sentence naming file and problem",
    async (_name, text, problem, file) => {
      await writeFile(join(ws.dir, file), text());
      const run = await runZrec(["ingest", file], { cwd: ws.dir, env: ws.env });
      figures.add("badInputs");
      expectRefused(run, file, problem);
      // The text itself is never quoted back (it may hold a download token); a value named in a message
      // is cut to 64 characters.
      expect(run.stderr).not.toMatch(/x{100}|y{100}|A{100}/);
      figures.add("refusedCleanly");
    },
  );

  it("archives a valid event that is 5 MB big (a long extra field), as any other", async () => {
    await writeFile(join(ws.dir, "big.json"), JSON.stringify({ ...event, padding: "p".repeat(FIVE_MB) }));
    const run = await runZrec(["ingest", "big.json", "--json"], { cwd: ws.dir, env: ws.env });
    figures.add("badInputs");
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: "ingested", recording_id: meeting.recordingId });
    figures.add("handled");
  });
});

describe("zrec reindex with a bad document", () => {
  let doc: Record<string, unknown>;
  const documentPath = () => join(ws.dataDir, meeting.recordingId, "recording_document.json");
  beforeAll(async () => {
    await writeFile(join(ws.dir, "webhook.json"), JSON.stringify(event));
    const ingest = await runZrec(["ingest", "webhook.json"], { cwd: ws.dir, env: ws.env });
    if (ingest.code !== 0) throw new Error(ingest.stderr);
    doc = JSON.parse(await readFile(documentPath(), "utf8"));
  });

  const cases: [string, (doc: Record<string, unknown>) => string, RegExp][] = [
    ["an array nested 100,000 deep", () => deepArray(DEPTH), /should be a JSON object but is a list/],
    ["an object nested 100,000 deep", () => deepObject(DEPTH), /nested more than \d+ levels deep/],
    [
      "a real document with a field nested 100,000 deep",
      (doc) => withRaw({ ...doc, extra: "__deep__" }, deepArray(DEPTH)),
      /nested more than \d+ levels deep/,
    ],
    [
      "a real document with a file entry nested 100,000 deep",
      (doc) => {
        const files = structuredClone(doc.files) as Record<string, unknown>[];
        (files[0] as Record<string, unknown>).extra = "__deep__";
        return withRaw({ ...doc, files }, deepObject(DEPTH));
      },
      /nested more than \d+ levels deep/,
    ],
    ["5 MB that is not JSON", () => `{"recording_id": ${"9".repeat(FIVE_MB)}x`, /is not JSON/],
    [
      "a recording_id that climbs out",
      (doc) => JSON.stringify({ ...doc, recording_id: "../../etc" }),
      /"recording_id"/,
    ],
    ["files that is an object", (doc) => JSON.stringify({ ...doc, files: {} }), /"files" should be a list/],
    ["a meeting_id that is a string", (doc) => JSON.stringify({ ...doc, meeting_id: "1" }), /"meeting_id"/],
  ];

  it.concurrent.each(cases.map((c, i) => [...c, `doc-${i}.json`] as const))(
    "%s: exit 2, nothing written",
    async (_name, text, problem, file) => {
      await writeFile(join(ws.dir, file), text(doc));
      const before = await readFile(documentPath(), "utf8");
      const run = await runZrec(["reindex", file], { cwd: ws.dir, env: ws.env });
      figures.add("badInputs");
      expectRefused(run, file, problem);
      expect(await readFile(documentPath(), "utf8")).toBe(before);
      figures.add("refusedCleanly");
    },
  );
});

describe("a bad configuration file", () => {
  const account = { accountId: "a", clientId: "b", clientSecret: "config-secret-value" };
  const cases: [string, string, string, RegExp][] = [
    [
      "nested 100,000 deep",
      "zrec.config.json",
      withRaw({ junk: "__deep__" }, deepObject(DEPTH)),
      /unknown key "junk"/,
    ],
    [
      "a known block nested 100,000 deep",
      "zrec.config.json",
      withRaw({ ingest: "__deep__" }, deepObject(DEPTH)),
      /ingest/,
    ],
    [
      "5 MB of organisation rules",
      "zrec.config.json",
      JSON.stringify({
        organizations: Array.from({ length: 90_000 }, () => ({
          name: "ORG",
          match: ["a-long-match-text-to-make-it-big"],
        })),
      }),
      /organizations must be a list of at most/,
    ],
    [
      "not JSON",
      "zrec.config.json",
      `{"zoom": {"accounts": {"default": ${JSON.stringify(account)}}`,
      /not valid JSON/,
    ],
    [
      "a wrong type",
      "zrec.config.json",
      JSON.stringify({ ingest: { partSizeMiB: "eight" } }),
      /ingest\.partSizeMiB must be/,
    ],
    [
      "an unknown key",
      "zrec.config.json",
      JSON.stringify({ ingest: { partsizeMiB: 8 } }),
      /unknown key "ingest\.partsizeMiB"/,
    ],
    [
      "a wrong type next to a secret",
      "zrec.config.json",
      JSON.stringify({ zoom: { accounts: { default: { ...account, accountId: 5 } } } }),
      /zoom\.accounts\.default\.accountId/,
    ],
    ["YAML nested 100,000 deep", "zrec.config.yaml", `junk: ${deepArray(DEPTH)}\n`, /zrec\.config\.yaml/],
    ["YAML that is not YAML", "zrec.config.yaml", "zoom: [unclosed\n  - a: {b\n", /not valid YAML/],
  ];

  it.concurrent.each(cases)(
    "%s: exit 2, one sentence naming file and key",
    async (_name, file, text, problem) => {
      const dir = await mkdtemp(join(tmpdir(), "zrec-bad-config-"));
      try {
        await writeFile(join(dir, file), text);
        await writeFile(join(dir, "webhook.json"), JSON.stringify(event));
        const run = await runZrec(["ingest", "webhook.json"], {
          cwd: dir,
          env: {},
        });
        figures.add("badInputs");
        expectRefused(run, file, problem);
        expect(run.stderr).not.toContain("config-secret-value");
        figures.add("refusedCleanly");
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
