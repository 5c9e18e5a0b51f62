import { access } from "node:fs/promises";
import path from "node:path";
import { seedRecording } from "@zrec/test-utils/fixtures/site";
import { eachTestArchive } from "@zrec/test-utils/fixtures/tasks";
import { expect, it } from "vitest";
import { defaultConfig } from "../config/defaults.js";
import type { LogEntry } from "../log.js";
import { buildSite } from "./build.js";
import { storeSiteOutput } from "./output.js";
import { createSiteUpdater } from "./updater.js";

const archive = eachTestArchive();

const exists = (file: string) =>
  access(path.join(archive.root, "site", file)).then(
    () => true,
    () => false,
  );

function updater(lines: LogEntry[]) {
  const { store, index } = archive.backends;
  return createSiteUpdater({ config: defaultConfig, store, index, log: (entry) => lines.push(entry) });
}

const seed = (topic: string) =>
  seedRecording(archive.backends, {
    topic,
    organization: "OLF",
    start: "2024-01-01T10:00:00Z",
    said: [[1, "A: hi"]],
  });

it("publishes nothing until a site has been built", async () => {
  await seed("OLF one");
  const lines: LogEntry[] = [];
  const site = updater(lines);
  site.request("test");
  await site.idle();
  expect(await exists("index.html")).toBe(false);
  expect(lines).toEqual([]);
});

it("once a site exists, folds requests made during a build into one more build that adds the new recording", async () => {
  await seed("OLF one");
  const { store, index } = archive.backends;
  await buildSite({ config: defaultConfig, store, index, output: storeSiteOutput(store), mediaBase: "../" });
  const added = await seed("OLF two");
  const lines: LogEntry[] = [];
  const site = updater(lines);
  site.request("a");
  site.request("b");
  site.request("c");
  await site.idle();
  expect(await exists(`rec/${added.recording_id}.html`)).toBe(true);
  expect(lines.map((l) => l.msg)).toEqual(["site.updated", "site.updated"]);
  expect(lines[0]).toMatchObject({ built: 1 });
  expect(lines[1]).toMatchObject({ built: 0, written: 0 });
});
