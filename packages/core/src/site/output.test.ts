/** The site in an S3 bucket: objects under `{prefix}/site/` with the headers a static host needs. */
import { HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { seedRecording } from "@zrec/test-utils/fixtures/site";
import { type RunningS3rver, startS3rver } from "@zrec/test-utils/s3rver";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createS3Store } from "../adapters/s3-store.js";
import { createSqliteIndex } from "../adapters/sqlite-index.js";
import { defaultConfig } from "../config/defaults.js";
import type { Backends } from "../ports.js";
import { buildSite } from "./build.js";
import { storeSiteOutput } from "./output.js";
import { searchSite } from "./search.js";

const BUCKET = "zrec-site";
let s3: RunningS3rver;
let client: S3Client;

beforeAll(async () => {
  s3 = await startS3rver({ buckets: [BUCKET] });
  client = s3.client();
});
afterAll(async () => {
  await s3?.close();
});

it("writes the site under {prefix}/site/ with Content-Type and Cache-Control, and searches it there", async () => {
  const store = createS3Store({ client, bucket: BUCKET, prefix: "archive" });
  const index = createSqliteIndex({ path: ":memory:" });
  const backends = { store, index } as Pick<Backends, "store" | "index"> as Backends;
  const doc = await seedRecording(backends, {
    topic: "OLF on S3",
    organization: "OLF",
    start: "2024-02-02T15:00:00Z",
    said: [[9, "Ada: buckets and prefixes"]],
  });
  const report = await buildSite({
    config: defaultConfig,
    store,
    index,
    output: storeSiteOutput(store),
    mediaBase: "../",
  });
  expect(report.published).toBe(1);

  const head = (key: string) =>
    client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `archive/site/${key}` }));
  expect(await head(`rec/${doc.recording_id}.html`)).toMatchObject({
    ContentType: "text/html; charset=utf-8",
    CacheControl: "public, max-age=0, must-revalidate",
  });
  expect(await head("assets/site.js")).toMatchObject({
    ContentType: "text/javascript; charset=utf-8",
    CacheControl: "public, max-age=86400",
  });
  expect(await head("search/meta.json")).toMatchObject({
    ContentType: "application/json",
    CacheControl: "public, max-age=0, must-revalidate",
  });
  // A segment is named by what it holds and never edited: a browser may keep its shards.
  const meta = JSON.parse(Buffer.from((await store.get("site/search/meta.json")) ?? []).toString());
  expect(await head(`search/seg/${meta.segments[0].id}/0000.json`)).toMatchObject({
    ContentType: "application/json",
    CacheControl: "public, max-age=31536000, immutable",
  });
  const page = Buffer.from((await store.get(`site/rec/${doc.recording_id}.html`)) ?? []).toString();
  expect(page).toContain(`src="../../${doc.recording_id}/shared_screen_with_speaker_view.mp4"`);

  const hits = await searchSite(storeSiteOutput(store), "prefixes");
  expect(hits.map((h) => h.recording_id)).toEqual([doc.recording_id]);
  await index.close?.();
});
