import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { seedRecording } from "@zrec/test-utils/fixtures/site";
import { eachTestArchive } from "@zrec/test-utils/fixtures/tasks";
import { describe, expect, it } from "vitest";
import { defaultConfig } from "../config/defaults.js";
import type { Config } from "../config/types.js";
import type { RecordingDocument } from "../recording/document.js";
import { buildSite } from "./build.js";
import { storeSiteOutput } from "./output.js";
import { searchSite } from "./search.js";

const archive = eachTestArchive();

function configWith(site: Partial<Config["site"]> = {}): Config {
  return { ...defaultConfig, site: { ...defaultConfig.site, ...site } };
}

function build(config = configWith(), full = false) {
  const { store, index } = archive.backends;
  return buildSite({ config, store, index, output: storeSiteOutput(store), mediaBase: "../", full });
}

/** Every file of the built site: relative path -> sha256. */
async function siteFiles(): Promise<Record<string, string>> {
  const root = path.join(archive.root, "site");
  const files: Record<string, string> = {};
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    files[path.relative(root, full)] = createHash("sha256")
      .update(await readFile(full))
      .digest("hex");
  }
  return files;
}

function changes(before: Record<string, string>, after: Record<string, string>) {
  const paths = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...paths].filter((p) => before[p] !== after[p]).sort();
}

async function allText(only = ""): Promise<string> {
  const root = path.join(archive.root, "site");
  const parts: string[] = [];
  for (const file of Object.keys(await siteFiles())) {
    if (file.endsWith(only)) parts.push(await readFile(path.join(root, file), "utf8"));
  }
  return parts.join("\n");
}

const seed = (options: Parameters<typeof seedRecording>[1]) => seedRecording(archive.backends, options);

describe("buildSite", () => {
  it("escapes host-chosen text everywhere: topic, speaker, transcript, chat", async () => {
    const evil = `<script>alert("x")</script><img src=x onerror=alert(1)>`;
    const doc = await seed({
      topic: `OLF ${evil}`,
      organization: "OLF",
      start: "2024-07-04T17:02:30Z",
      said: [[3, `Mallory ${evil}: hello ${evil}`]],
      chat: `00:00:05\t From  Eve ${evil} : ${evil}\n`,
      hostName: evil,
    });
    await build();
    const page = await readFile(path.join(archive.root, "site", "rec", `${doc.recording_id}.html`), "utf8");
    expect(page).not.toContain("<script>alert");
    expect(page).not.toContain("<img");
    expect(page).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    // The only script element on any page is the site's own file (the search index's JSON holds the
    // text as data, which the browser shows with textContent).
    const pages = await allText(".html");
    expect(pages).toContain('<script src="../assets/site.js" defer>');
    expect(pages.match(/<script(?! src="(\.\.\/)?assets\/site\.js" defer>)/g) ?? []).toEqual([]);
    expect(pages).not.toContain("<img");
  });

  it("publishes only site.organizations and drops unpublished dispositions, in pages and index alike", async () => {
    const shown = await seed({
      topic: "OLF open meeting",
      organization: "OLF",
      start: "2024-01-02T15:00:00Z",
      said: [[1, "Ada: we discussed the lighthouse"]],
    });
    await seed({
      topic: "Hidden board retreat",
      organization: "Secret",
      start: "2024-01-03T15:00:00Z",
      said: [[1, "Bob: the quokka plan"]],
    });
    await seed({
      topic: "OLF withdrawn talk",
      organization: "OLF",
      start: "2024-01-04T15:00:00Z",
      said: [[1, "Cy: the narwhal"]],
      disposition: { action: "unpublish", after: "2024-01-05" },
    });
    const report = await build(configWith({ organizations: ["olf"] }));
    expect(report.published).toBe(1);
    const text = await allText();
    for (const word of ["Hidden", "quokka", "Secret", "narwhal", "withdrawn"])
      expect(text).not.toContain(word);
    const output = storeSiteOutput(archive.backends.store);
    expect(await searchSite(output, "quokka")).toEqual([]);
    const hits = await searchSite(output, "Lighthouse");
    expect(hits.map((h) => h.recording_id)).toEqual([shown.recording_id]);
    expect(hits[0]).toMatchObject({ at: 1, snippet: "Ada: we discussed the lighthouse" });
  });

  it("takes organisations that differ only in case for one: one page listing both", async () => {
    const upper = await seed({ topic: "Upper", organization: "OLF", start: "2024-02-01T15:00:00Z" });
    const lower = await seed({ topic: "Lower", organization: "olf", start: "2024-02-02T15:00:00Z" });
    await build();
    const orgPages = Object.keys(await siteFiles()).filter((file) => file.startsWith("org/"));
    expect(orgPages).toEqual(["org/olf.html"]);
    const page = await readFile(path.join(archive.root, "site", "org", "olf.html"), "utf8");
    for (const doc of [upper, lower]) expect(page).toContain(doc.recording_id);
    const home = await readFile(path.join(archive.root, "site", "index.html"), "utf8");
    expect(home).toContain('<span class="count">2 recordings</span>');
  });

  it("a re-run with nothing new writes nothing; ingest, reindex and purge change only their own files", async () => {
    const config = configWith();
    const olf = await seed({
      topic: "OLF weekly",
      organization: "OLF",
      start: "2024-03-01T15:00:00Z",
      said: [[2, "Ada: apples and pears"]],
    });
    await seed({
      topic: "FOLIO sync",
      organization: "FOLIO",
      start: "2024-03-02T15:00:00Z",
      said: [[2, "Bob: bananas"]],
    });
    await build(config);
    const first = await siteFiles();
    const again = await build(config);
    expect(again).toMatchObject({ written: 0, deleted: 0, full: false });
    expect(await siteFiles()).toEqual(first);

    // Ingest: one new OLF recording.
    const added = await seed({
      topic: "OLF planning",
      organization: "OLF",
      start: "2024-03-03T15:00:00Z",
      said: [[7, "Cy: cherries"]],
    });
    await build(config);
    const second = await siteFiles();
    const addedFiles = changes(first, second);
    expect(addedFiles).toEqual(
      expect.arrayContaining([
        `rec/${added.recording_id}.html`,
        `search/cues/${added.recording_id}/0.json`,
        "org/olf.html",
        "index.html",
        "build.json",
      ]),
    );
    expect(addedFiles).not.toContain("org/folio.html");
    expect(addedFiles.filter((f) => f.startsWith("rec/"))).toEqual([`rec/${added.recording_id}.html`]);
    expect(addedFiles.filter((f) => f.startsWith("search/cues/"))).toEqual([
      `search/cues/${added.recording_id}/0.json`,
    ]);
    // The index: one new segment of one shard (so small an archive merges it into the one before), the
    // docs page and meta.json; nothing else in search/.
    const indexChanges = addedFiles.filter((f) => f.startsWith("search/") && !f.startsWith("search/cues/"));
    expect(indexChanges.filter((f) => !f.startsWith("search/seg/"))).toEqual([
      "search/docs/0.json",
      "search/meta.json",
    ]);
    expect(indexChanges.filter((f) => f.startsWith("search/seg/") && second[f] !== undefined)).toHaveLength(
      1,
    );
    expect((await searchSite(storeSiteOutput(archive.backends.store), "cherries")).length).toBe(1);

    // Reindex: the OLF weekly's topic edited.
    const edited: RecordingDocument = { ...olf, meeting_topic: "OLF weekly (edited)" };
    await archive.backends.index.put(edited);
    await build(config);
    const third = await siteFiles();
    const editFiles = changes(second, third);
    expect(editFiles.filter((f) => f.startsWith("rec/"))).toEqual([`rec/${olf.recording_id}.html`]);
    expect(editFiles).not.toContain("org/folio.html");
    expect(editFiles).toContain("org/olf.html");
    expect((await searchSite(storeSiteOutput(archive.backends.store), "edited"))[0]?.recording_id).toBe(
      olf.recording_id,
    );

    // Purge: the FOLIO recording leaves the index; its page, cues and organisation page go.
    const folio = (await archive.backends.index.list()).find((d) => d.organization === "FOLIO");
    // As purge-old does: the document out of the store, then the row.
    await archive.backends.store.delete(`${folio?.recording_id}/recording_document.json`);
    await archive.backends.index.delete(folio?.recording_id ?? "");
    await build(config);
    const fourth = await siteFiles();
    const purgeFiles = changes(third, fourth);
    expect(purgeFiles).toEqual(
      expect.arrayContaining([`rec/${folio?.recording_id}.html`, "org/folio.html", "index.html"]),
    );
    expect(fourth[`rec/${folio?.recording_id}.html`]).toBeUndefined();
    expect(fourth["org/folio.html"]).toBeUndefined();
    expect(purgeFiles.filter((f) => f.startsWith("rec/"))).toEqual([`rec/${folio?.recording_id}.html`]);
    expect(await searchSite(storeSiteOutput(archive.backends.store), "bananas")).toEqual([]);

    // A full rebuild of the same archive gives the same pages (the index may number recordings anew).
    await build(config, true);
    const pagesOf = (files: Record<string, string>) =>
      Object.fromEntries(Object.entries(files).filter(([file]) => file.endsWith(".html")));
    expect(pagesOf(await siteFiles())).toEqual(pagesOf(fourth));
    expect((await searchSite(storeSiteOutput(archive.backends.store), "cherries")).length).toBe(1);
  });
});
