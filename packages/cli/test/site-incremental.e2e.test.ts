/**
 * Incremental site builds, driven the way an operator drives them: the built `zrec` against zoom-sim,
 * on both backends. After one `zrec ingest`, one `zrec reindex` and one `zrec purge-old --yes`, each
 * `zrec site build` changes exactly the files it must: the recording's own page and cue blocks, the
 * listings it is on, its docs page, meta.json, build.json and the search segments it adds or merges
 * away, and nothing else. Changed means added, removed, new content, or (on the folder store, where the
 * file's time says it) written again with the same content.
 */
import { createHash } from "node:crypto";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RecordingDocument } from "@zrec/core";
import {
  backendKinds,
  makeWorkspace,
  runZrec,
  startBackends,
  type TestBackends,
  withArchive,
} from "@zrec/test-utils/cli";
import { seedRecording } from "@zrec/test-utils/fixtures/site";
import { startZoomSim } from "@zrec/zoom-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

type Sim = Awaited<ReturnType<typeof startZoomSim>>;
type Workspace = Awaited<ReturnType<typeof makeWorkspace>>;
/** Site path -> what says whether it changed: content hash, and the file's time where there is one. */
type SiteState = Record<string, string>;
interface Meta {
  segments: { id: string; shards: number }[];
}

describe.each(backendKinds)("incremental `zrec site build` on the %s backends", (kind) => {
  let sim: Sim;
  let backends: TestBackends;
  let ws: Workspace;
  let weekly: RecordingDocument;
  let sync: RecordingDocument;
  let due: RecordingDocument;
  const zrec = (...args: string[]) => runZrec(args, { cwd: ws.dir, env: ws.env });

  /** Every file of the site in the store. */
  const siteState = (): Promise<SiteState> =>
    withArchive(backends, ws, async ({ store }) => {
      const state: SiteState = {};
      for await (const key of store.list("site/")) {
        const bytes = (await store.get(key)) ?? new Uint8Array();
        const hash = createHash("sha256").update(bytes).digest("hex");
        const time = kind === "embedded" ? (await stat(join(ws.dataDir, key))).mtimeMs : "";
        state[key.slice("site/".length)] = `${hash} ${time}`;
      }
      return state;
    });
  const metaOf = async (): Promise<Meta> =>
    withArchive(backends, ws, async ({ store }) =>
      JSON.parse(Buffer.from((await store.get("site/search/meta.json")) ?? []).toString("utf8")),
    );

  /**
   * Runs `zrec site build` and checks that the files that changed are `expected` plus the shards of
   * the segments that came or went (at most one comes per build); returns the build's report.
   */
  async function buildChanging(expected: string[]) {
    const [before, metaBefore] = [await siteState(), await metaOf()];
    const run = await zrec("site", "build", "--json");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    const [after, metaAfter] = [await siteState(), await metaOf()];
    const ids = (meta: Meta) => meta.segments.map((s) => s.id);
    const came = metaAfter.segments.filter((s) => !ids(metaBefore).includes(s.id));
    const went = metaBefore.segments.filter((s) => !ids(metaAfter).includes(s.id));
    expect(came.length).toBeLessThanOrEqual(1);
    const shardFiles = [...came, ...went].flatMap((s) =>
      Array.from(
        { length: s.shards },
        (_, i) => `search/seg/${s.id}/${i.toString(16).padStart(4, "0")}.json`,
      ),
    );
    const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])]
      .filter((file) => before[file] !== after[file])
      .sort();
    expect(changed).toEqual([...expected, ...shardFiles].sort());
    // Nothing written again with the same bytes either: every write is a changed file, and build.json
    // is written once more, first, to mark a build under way (a build with nothing to do writes nothing),
    // and once more again when segments were merged away, after their files are deleted.
    const kept = changed.filter((file) => after[file] !== undefined);
    const marks = kept.length === 0 ? 0 : went.length > 0 ? 2 : 1;
    expect(report.written).toBe(kept.length + marks);
    // A small build: a few dozen files at most, here far fewer.
    expect(changed.length).toBeLessThan(20);
    return { report, came, went };
  }

  beforeAll(async () => {
    [sim, backends] = await Promise.all([startZoomSim(), startBackends(kind)]);
    sim.addUser({ id: "host-1", email: "host@example.org" });
    ws = await makeWorkspace(
      sim,
      {
        organizations: [
          { name: "OLF", match: ["OLF"] },
          { name: "FOLIO", match: ["FOLIO"] },
        ],
        site: { title: "Archive" },
      },
      backends,
    );
    const said = (words: string): [number, string][] =>
      Array.from({ length: 150 }, (_, i) => [i * 4, `Speaker ${i % 3}: ${words} line ${i}`]);
    await withArchive(backends, ws, async (archive) => {
      weekly = await seedRecording(archive, {
        topic: "OLF weekly",
        organization: "OLF",
        start: "2024-03-01T15:00:00Z",
        said: said("apples and pears"),
      });
      sync = await seedRecording(archive, {
        topic: "FOLIO sync",
        organization: "FOLIO",
        start: "2024-03-02T15:00:00Z",
        said: said("bananas"),
      });
      due = await seedRecording(archive, {
        topic: "FOLIO retrospective",
        organization: "FOLIO",
        start: "2024-03-03T15:00:00Z",
        said: said("cherries"),
        disposition: { action: "delete", after: "2025-01-31" },
      });
    });
    const first = await zrec("site", "build", "--json");
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ published: 3, full: true });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([sim?.close(), backends?.close()]);
  });

  it("a build with nothing new changes nothing", async () => {
    const { report } = await buildChanging([]);
    expect(report).toMatchObject({ written: 0, deleted: 0, full: false });
  });

  it("after `zrec ingest`: the new page, its organisation's page, home, its docs page and one segment", async () => {
    // The only user hosts it; zoom-sim's files are not real media, so it has no transcript.
    const files = [{ fileType: "MP4", size: 200_000 }];
    const meeting = sim.addMeeting({
      topic: "OLF planning zanzibar",
      startTime: "2024-04-01T15:00:00Z",
      durationMinutes: 30,
      files,
    });
    await writeFile(join(ws.dir, "webhook.json"), JSON.stringify(sim.recordingEvent(meeting.uuid)));
    const ingest = await zrec("ingest", "webhook.json", "--json");
    expect(ingest.code, ingest.stderr).toBe(0);

    const { report, came } = await buildChanging([
      `rec/${meeting.recordingId}.html`,
      "org/olf.html",
      "index.html",
      "search/docs/0.json",
      "search/meta.json",
      "build.json",
    ]);
    expect(report.built).toEqual([meeting.recordingId]);
    expect(came).toHaveLength(1);
    const found = await zrec("search", "zanzibar", "--json");
    expect(JSON.parse(found.stdout).map((h: { recording_id: string }) => h.recording_id)).toEqual([
      meeting.recordingId,
    ]);
  });

  it("after `zrec reindex`: that recording's page, its listings, its docs page and one segment", async () => {
    const got = await zrec("get", weekly.recording_id, "--output", "doc.json", "--force");
    expect(got.code, got.stderr).toBe(0);
    const document = JSON.parse(await readFile(join(ws.dir, "doc.json"), "utf8")) as RecordingDocument;
    await writeFile(
      join(ws.dir, "doc.json"),
      JSON.stringify({ ...document, meeting_topic: "OLF weekly lighthouse" }),
    );
    const reindex = await zrec("reindex", "doc.json");
    expect(reindex.code, reindex.stderr).toBe(0);

    // The transcript did not change: its cue blocks stay as they are.
    await buildChanging([
      `rec/${weekly.recording_id}.html`,
      "org/olf.html",
      "index.html",
      "search/docs/0.json",
      "search/meta.json",
      "build.json",
    ]);
    const found = await zrec("search", "lighthouse", "apples", "--json");
    expect(JSON.parse(found.stdout)).toEqual([
      expect.objectContaining({ recording_id: weekly.recording_id }),
    ]);
  });

  it("after `zrec purge-old --yes`: the page and cue blocks go, its listings and docs page change", async () => {
    const purge = await zrec("purge-old", "--yes", "--as-of", "2025-02-01", "--json");
    expect(purge.code, purge.stderr).toBe(0);
    expect(JSON.parse(purge.stdout)).toMatchObject({ deleted: 1 });

    const { report } = await buildChanging([
      `rec/${due.recording_id}.html`,
      `search/cues/${due.recording_id}/0.json`,
      `search/cues/${due.recording_id}/1.json`,
      "org/folio.html",
      "index.html",
      "search/docs/0.json",
      "search/meta.json",
      "build.json",
    ]);
    expect(report.withdrawn).toEqual([due.recording_id]);
    const gone = await zrec("search", "cherries", "--json");
    expect(JSON.parse(gone.stdout)).toEqual([]);
    const kept = await zrec("search", "bananas", "--json");
    expect(JSON.parse(kept.stdout)).toEqual([expect.objectContaining({ recording_id: sync.recording_id })]);
  });
});
