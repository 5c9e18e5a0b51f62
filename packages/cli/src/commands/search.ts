/** `zrec search <words>`: the site's search on the command line, from the same index. */
import path from "node:path";
import { Command } from "commander";
import { positiveWhole } from "../arg-parsers.js";
import { withGlobals } from "../options.js";
import { formatTable, printJson } from "../ui/output.js";

interface SearchFlags {
  site?: string;
  limit: number;
}

export function searchCommand(): Command {
  return new Command("search")
    .argument("<words...>", "every word must occur in the topic or the transcript")
    .option("--site <dir>", "search a site built with --out into this folder instead of the store's")
    .option("--limit <n>", "at most this many recordings", positiveWhole, 20)
    .action(
      withGlobals(async ({ options, out }, words: string[], flags: SearchFlags) => {
        const site = await import("@zrec/core/site");
        const query = words.join(" ");
        const hits =
          flags.site === undefined
            ? await (await import("../session.js")).withExistingBackends(
                options,
                ({ backends }) => site.searchSite(site.storeSiteOutput(backends.store), query, flags.limit),
                { needs: ["storage.root"] },
              )
            : await site.searchSite(site.folderSiteOutput(path.resolve(flags.site)), query, flags.limit);
        if (out.json) return printJson(hits);
        if (hits.length === 0) return out.line(`No published recording matches "${query}".`);
        out.line(
          formatTable(
            ["date", "topic", "at", "said", "recording_id"],
            hits.map((hit) => [
              hit.date,
              printable(hit.topic, 60),
              hit.at === undefined ? "" : clock(hit.at),
              hit.snippet === undefined ? "(in the topic)" : printable(hit.snippet, 80),
              hit.recording_id,
            ]),
          ),
        );
      }),
    );
}

function clock(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = String(Math.floor((seconds % 3600) / 60)).padStart(2, "0");
  const s = String(seconds % 60).padStart(2, "0");
  return h > 0 ? `${h}:${m}:${s}` : `${m}:${s}`;
}

/** Host-chosen text for a terminal: control characters (escape sequences) become spaces, long text is cut. */
function printable(text: string, max: number): string {
  const clean = [...text].map((c) => {
    const code = c.charCodeAt(0);
    return code < 0x20 || (code >= 0x7f && code < 0xa0) ? " " : c;
  });
  return clean.length > max ? `${clean.slice(0, max - 1).join("")}…` : clean.join("");
}
