/** `zrec site build`: the static website, into the store's `site/` or a folder of its own. */
import path from "node:path";
import { Command } from "commander";
import { withGlobals } from "../options.js";
import { printJson } from "../ui/output.js";

interface BuildFlags {
  out?: string;
  full?: boolean;
  recording?: string[];
}

export function siteBuildCommand(): Command {
  return new Command("build")
    .description("write the website (pages, player, transcripts, search index); rebuild only what changed")
    .option(
      "--out <dir>",
      "write the site into this folder instead of the store (media links use site.mediaBaseUrl)",
    )
    .option("--full", "rebuild every page and the whole search index")
    .option(
      "--recording <id...>",
      "rebuild these recordings' pages and search entries (after a transcript or chat was replaced in the store)",
    )
    .action(
      withGlobals(async ({ options, out }, flags: BuildFlags) => {
        const [core, site, { withExistingBackends }] = await Promise.all([
          import("@zrec/core/archive"),
          import("@zrec/core/site"),
          import("../session.js"),
        ]);
        const report = await withExistingBackends(options, async ({ backends }, { config }) => {
          let mediaBase = "../";
          let output = site.storeSiteOutput(backends.store);
          if (flags.out !== undefined) {
            if (config.site.mediaBaseUrl === null) {
              throw new core.InputError(
                "--out needs site.mediaBaseUrl: a site outside the store cannot find the media.",
                {
                  suggestion:
                    'Set site.mediaBaseUrl to where the store is served (e.g. "https://media.example.org/"), or leave out --out.',
                },
              );
            }
            mediaBase = config.site.mediaBaseUrl.endsWith("/")
              ? config.site.mediaBaseUrl
              : `${config.site.mediaBaseUrl}/`;
            output = site.folderSiteOutput(path.resolve(flags.out));
          }
          const result = await site.buildSite({
            config,
            store: backends.store,
            index: backends.index,
            output,
            mediaBase,
            ...(flags.full ? { full: true } : {}),
            ...(flags.recording ? { recordings: flags.recording } : {}),
          });
          return { ...result, output: output.description, storage: config.storage.type };
        });
        if (out.json) return printJson(report);
        for (const { recording_id, reason } of report.skipped)
          out.warn(
            `${reason} It is left off the site; fix its document with zrec reindex (recording ${recording_id}).`,
          );
        const how = report.full ? "Built the whole site" : "Updated the site";
        out.line(
          `${how} in ${report.output}: ${report.published} ${report.published === 1 ? "recording" : "recordings"} published, ${report.built.length} ${report.built.length === 1 ? "page" : "pages"} built, ${report.withdrawn.length} withdrawn (${report.written} ${report.written === 1 ? "file" : "files"} written, ${report.deleted} removed).`,
        );
        if (flags.out === undefined && report.storage === "fs") out.line("See it with: zrec site serve");
      }),
    );
}
