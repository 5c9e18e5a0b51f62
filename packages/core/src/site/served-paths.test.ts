import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtSitePolicy, storeSitePolicy } from "./served-paths.js";

const PUBLISHED = "11111111-aaaa-4aaa-8aaa-111111111111";
const HIDDEN = "22222222-bbbb-4bbb-8bbb-222222222222";

/** A document with the fields the policy reads; one file by `key`, one (older system) by s3_url only. */
const documentOf = (id: string) => ({
  recording_id: id,
  files: [
    { key: `${id}/speaker_view.mp4`, s3_url: `s3://b/${id}/speaker_view.mp4`, mime_type: "video/mp4" },
    { s3_url: `s3://b/${id}/audio%20only.m4a`, mime_type: "audio/m4a" },
  ],
});

describe("storeSitePolicy", () => {
  let root: string;
  const manifest = (ids: string[]) =>
    JSON.stringify({ format: 2, recordings: Object.fromEntries(ids.map((id, n) => [id, { h: "x", n }])) });
  /** As the builder writes it: to a temp name, then renamed over the old one. */
  const writeManifest = async (ids: string[]) => {
    const file = path.join(root, "site", "build.json");
    await writeFile(`${file}.tmp`, manifest(ids));
    await rename(`${file}.tmp`, file);
  };

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "zrec-served-"));
    await mkdir(path.join(root, "site", "rec"), { recursive: true });
    await mkdir(path.join(root, ".zrec-tmp"));
    for (const id of [PUBLISHED, HIDDEN]) {
      await mkdir(path.join(root, id));
      await writeFile(path.join(root, id, "recording_document.json"), JSON.stringify(documentOf(id)));
    }
    await writeManifest([PUBLISHED]);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("allows the site and the published recording's files, as its pages link them", async () => {
    const allow = storeSitePolicy(root);
    for (const p of [
      "/site/index.html",
      `/site/rec/${PUBLISHED}.html`,
      "/site/search/meta.json",
      `/${PUBLISHED}/speaker_view.mp4`,
      `/${PUBLISHED}/audio only.m4a`,
    ]) {
      expect(await allow(p), p).toBe(true);
    }
  });

  it("refuses the index, the outbox, metadata, the manifest, dot-folders and unpublished recordings", async () => {
    const allow = storeSitePolicy(root);
    for (const p of [
      "/index.db",
      "/outbox.jsonl",
      "/.zrec-tmp/x",
      "/site/build.json",
      "/site/BUILD.json",
      `/${PUBLISHED}/recording_document.json`,
      `/${PUBLISHED}/meeting.json`,
      `/${PUBLISHED}/past_meeting.json`,
      `/${PUBLISHED}/recording.json`,
      `/${PUBLISHED}/speaker_view.json`,
      `/${PUBLISHED}/`,
      `/${PUBLISHED}`,
      `/${HIDDEN}/speaker_view.mp4`,
      `/${HIDDEN}/recording_document.json`,
      "/constructor/speaker_view.mp4",
      "/",
    ]) {
      expect(await allow(p), p).toBe(false);
    }
  });

  it("withdraws a recording as soon as a rebuilt manifest leaves it out", async () => {
    const allow = storeSitePolicy(root);
    const file = `/${PUBLISHED}/speaker_view.mp4`;
    expect(await allow(file)).toBe(true);
    await writeManifest([HIDDEN]);
    expect(await allow(file)).toBe(false);
    expect(await allow(`/${HIDDEN}/speaker_view.mp4`)).toBe(true);
    await writeManifest([PUBLISHED]);
  });

  it("refuses every recording file when the manifest or the document is missing or unreadable", async () => {
    const allow = storeSitePolicy(root);
    const file = `/${PUBLISHED}/speaker_view.mp4`;
    const manifestFile = path.join(root, "site", "build.json");
    await writeFile(manifestFile, "{ not json");
    expect(await allow(file)).toBe(false);
    await rm(manifestFile);
    expect(await allow(file)).toBe(false);
    await writeManifest([PUBLISHED]);
    expect(await allow(file)).toBe(true);

    const documentFile = path.join(root, PUBLISHED, "recording_document.json");
    await rename(documentFile, `${documentFile}.away`);
    expect(await allow(file)).toBe(false);
    await rename(`${documentFile}.away`, documentFile);
    expect(await allow(file)).toBe(true);
  });
});

describe("builtSitePolicy", () => {
  it("allows a site built with --out, except its manifest", () => {
    const allow = builtSitePolicy();
    expect(allow("/index.html")).toBe(true);
    expect(allow("/rec/x.html")).toBe(true);
    expect(allow("/build.json")).toBe(false);
    expect(allow("/Build.JSON")).toBe(false);
  });
});
