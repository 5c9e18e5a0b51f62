/**
 * What leaves the site must leave every file the site serves, not only its links: the words of a
 * purged, unpublished or redacted recording, in pages and in the search index's shards alike. And a
 * build never damages what is not its own: a bad document costs its recording, a foreign folder is
 * refused.
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { seedRecording, zoomVtt } from "@zrec/test-utils/fixtures/site";
import { eachTestArchive } from "@zrec/test-utils/fixtures/tasks";
import { describe, expect, it } from "vitest";
import { defaultConfig } from "../config/defaults.js";
import type { Config } from "../config/types.js";
import { buildSite } from "./build.js";
import { folderSiteOutput, type SiteOutput, storeSiteOutput } from "./output.js";
import { searchSite } from "./search.js";

const archive = eachTestArchive();

function configWith(site: Partial<Config["site"]> = {}): Config {
  return { ...defaultConfig, site: { ...defaultConfig.site, ...site } };
}

function build(config = configWith(), more: { recordings?: string[]; output?: SiteOutput } = {}) {
  const { store, index } = archive.backends;
  const { output = storeSiteOutput(store), recordings } = more;
  return buildSite({ config, store, index, output, mediaBase: "../", ...(recordings ? { recordings } : {}) });
}

/** Every byte the site holds, as one text. */
async function siteText(): Promise<string> {
  const root = path.join(archive.root, "site");
  const parts: string[] = [];
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) parts.push(await readFile(path.join(entry.parentPath, entry.name), "utf8"));
  }
  return parts.join("\n");
}

const seed = (options: Parameters<typeof seedRecording>[1]) => seedRecording(archive.backends, options);
const search = (query: string) => searchSite(storeSiteOutput(archive.backends.store), query);

/** Enough recordings that the index has older segments a withdrawal must reach back into. */
async function seedArchive() {
  const kept = [];
  for (let i = 0; i < 6; i++) {
    kept.push(
      await seed({
        topic: `OLF weekly ${i}`,
        organization: "OLF",
        start: `2024-02-0${i + 1}T15:00:00Z`,
        said: [[1, `Ada: lighthouse number ${i}`]],
      }),
    );
  }
  return kept;
}

describe("buildSite withdrawing a recording", () => {
  it("removes a purged, unpublished or excluded recording's words from every site file at once", async () => {
    await seedArchive();
    const purged = await seed({
      topic: "OLF purged",
      organization: "OLF",
      start: "2024-01-01T15:00:00Z",
      said: [[1, "Bob: xylophonist"]],
    });
    const unpublished = await seed({
      topic: "OLF later withdrawn",
      organization: "OLF",
      start: "2024-01-02T15:00:00Z",
      said: [[1, "Cy: quokka"]],
    });
    await seed({
      topic: "Board retreat",
      organization: "Secret",
      start: "2024-01-03T15:00:00Z",
      said: [[1, "Dee: layoffs"]],
    });
    await build();
    for (const word of ["xylophonist", "quokka", "layoffs"]) expect(await siteText()).toContain(word);

    // As purge-old does: the document out of the store, then the row.
    await archive.backends.store.delete(`${purged.recording_id}/recording_document.json`);
    await archive.backends.index.delete(purged.recording_id);
    await archive.backends.index.put({
      ...unpublished,
      disposition: { action: "unpublish", after: "2024-01-05" },
    });
    const report = await build(configWith({ organizations: ["OLF"] }));
    expect(report.full).toBe(false);
    expect(report.withdrawn).toHaveLength(3);
    const text = await siteText();
    for (const word of ["xylophonist", "quokka", "layoffs", "Secret", "Board retreat"])
      expect(text).not.toContain(word);
    expect(await search("lighthouse")).toHaveLength(6);
  });

  it("rebuilds named recordings on request, so a redacted transcript leaves no trace", async () => {
    const [doc] = await seedArchive();
    if (!doc) throw new Error("no recording");
    await build();
    expect(await search("confidential")).toEqual([]);
    await archive.backends.store.put(
      `${doc.recording_id}/audio_transcript.vtt`,
      zoomVtt([[1, "Ada: confidential merger"]]),
      { contentType: "text/vtt" },
    );
    // The document did not change, so an ordinary build does not know.
    expect((await build()).written).toBe(0);
    const report = await build(configWith(), { recordings: [doc.recording_id] });
    expect(report.built).toEqual([doc.recording_id]);
    expect((await search("confidential")).map((hit) => hit.recording_id)).toEqual([doc.recording_id]);

    await archive.backends.store.put(
      `${doc.recording_id}/audio_transcript.vtt`,
      zoomVtt([[1, "Ada: [redacted]"]]),
      { contentType: "text/vtt" },
    );
    await build(configWith(), { recordings: [doc.recording_id] });
    const text = await siteText();
    expect(text).not.toContain("confidential");
    expect(text).not.toContain("merger");
    await expect(build(configWith(), { recordings: ["no-such-recording"] })).rejects.toMatchObject({
      code: "INPUT_INVALID",
      message: expect.stringContaining("no-such-recording"),
    });
  });
});

describe("buildSite and what is not its own", () => {
  it("leaves off a recording whose document names a file outside its folder, and builds the rest", async () => {
    const [good] = await seedArchive();
    const bad = await seed({ topic: "OLF bad", organization: "OLF", start: "2024-03-01T15:00:00Z" });
    const [first] = bad.files;
    if (!first || !good) throw new Error("no file");
    await archive.backends.index.put({
      ...bad,
      files: [{ ...first, key: `${bad.recording_id}/../${good.recording_id}/audio_transcript.vtt` }],
    });
    const other = await seed({ topic: "OLF broken url", organization: "OLF", start: "2024-03-02T15:00:00Z" });
    const [otherFile] = other.files;
    if (!otherFile) throw new Error("no file");
    const { key: _key, ...withoutKey } = otherFile;
    await archive.backends.index.put({
      ...other,
      files: [
        { ...withoutKey, s3_url: `https://bucket.s3.amazonaws.com/${other.recording_id}/chat%E0%A4%A.txt` },
      ],
    });

    // A metadata file listed as a file: its page would link it, and site serve would serve it.
    const meta = await seed({ topic: "OLF meta", organization: "OLF", start: "2024-03-03T15:00:00Z" });
    for (const name of ["recording.json", "meeting.json", "shared_screen_with_speaker_view.json"]) {
      await archive.backends.index.put({
        ...meta,
        files: [...meta.files, { ...(meta.files[0] as typeof first), key: `${meta.recording_id}/${name}` }],
      });
      expect((await build()).skipped.map((s) => s.recording_id)).toContain(meta.recording_id);
    }
    await archive.backends.index.delete(meta.recording_id);

    const report = await build();
    expect(report.published).toBe(6);
    expect(report.skipped.map((s) => s.recording_id).sort()).toEqual(
      [bad.recording_id, other.recording_id].sort(),
    );
    expect(report.skipped[0]?.reason).toMatch(/not a plain name in its folder/);
    expect(await search("lighthouse")).toHaveLength(6);
  });

  it("refuses to build into a folder that holds files but no site, and deletes nothing there", async () => {
    await seedArchive();
    const dir = path.join(tmpdir(), `zrec-foreign-${process.pid}-${Date.now()}`);
    await mkdir(path.join(dir, "search"), { recursive: true });
    await writeFile(path.join(dir, "search", "notes.txt"), "important");
    const output = folderSiteOutput(dir);
    await expect(build(configWith(), { output })).rejects.toMatchObject({
      code: "INPUT_INVALID",
      message: expect.stringContaining("search/notes.txt"),
    });
    expect(await readFile(path.join(dir, "search", "notes.txt"), "utf8")).toBe("important");
    expect(await readdir(dir)).toEqual(["search"]);

    // An empty folder, and then the site built there, are fine.
    const fresh = folderSiteOutput(path.join(dir, "fresh"));
    expect((await build(configWith(), { output: fresh })).full).toBe(true);
    expect((await build(configWith(), { output: fresh })).written).toBe(0);
  });
});

describe("buildSite over a lost index", () => {
  it("refuses to withdraw the whole site when the index is empty but the store holds recordings", async () => {
    const docs = await seedArchive();
    await build();
    for (const doc of docs) await archive.backends.index.delete(doc.recording_id);
    await expect(build()).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: expect.stringMatching(/rebuild-db|index/),
    });
    expect(await search("lighthouse")).toHaveLength(6);
  });
});

describe("buildSite stopped or misled half-way", () => {
  it("a build stopped while deleting merged segments leaves the next one to finish the job", async () => {
    await seedArchive();
    const purged = await seed({
      topic: "OLF purged",
      organization: "OLF",
      start: "2024-01-01T15:00:00Z",
      said: [[1, "Bob: hunter2password"]],
    });
    await build();
    await archive.backends.store.delete(`${purged.recording_id}/recording_document.json`);
    await archive.backends.index.delete(purged.recording_id);
    const store = storeSiteOutput(archive.backends.store);
    const failingDeletes: SiteOutput = {
      ...store,
      delete: async (file) => {
        if (file.startsWith("search/seg/")) throw new Error("DeleteObject failed");
        return store.delete(file);
      },
    };
    await expect(build(configWith(), { output: failingDeletes })).rejects.toThrow(/DeleteObject/);
    expect(await siteText()).toContain("hunter2password");
    expect((await build()).full).toBe(true);
    expect(await siteText()).not.toContain("hunter2password");
    expect((await build()).written).toBe(0);
  });

  it("refuses to withdraw recordings the index lost while the store keeps them, even with others indexed", async () => {
    const docs = await seedArchive();
    await build();
    for (const doc of docs.slice(1)) await archive.backends.index.delete(doc.recording_id);
    await expect(build()).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await search("lighthouse")).toHaveLength(6);
  });

  it("builds into the store's own site/ even without its manifest (zrec's folder, not the user's)", async () => {
    await seedArchive();
    await build();
    await archive.backends.store.delete("site/build.json");
    expect((await build()).full).toBe(true);
  });

  it("clears what a killed build left in --out's temporary folder", async () => {
    await seedArchive();
    const dir = path.join(tmpdir(), `zrec-out-${process.pid}-${Date.now()}`);
    await mkdir(path.join(dir, ".zrec-tmp"), { recursive: true });
    await writeFile(path.join(dir, ".zrec-tmp", "left.tmp"), "a withdrawn transcript");
    await build(configWith(), { output: folderSiteOutput(dir) });
    expect(await readdir(path.join(dir, ".zrec-tmp")).catch(() => [])).toEqual([]);
  });
});
