/** `zrec list`: what the index holds, newest first. */
import type { Config, ListFilter, RecordingDocument } from "@zrec/core";
import { Command } from "commander";
import { positiveWhole, sinceTime } from "../arg-parsers.js";
import { withGlobals } from "../options.js";
import { formatTable, printJson } from "../ui/output.js";

interface ListFlags {
  organization?: string;
  since?: string;
  topic?: string;
  limit?: number;
}

export function listCommand(): Command {
  return new Command("list")
    .option("--organization <name>", "only this organisation, as the table shows it (e.g. FOLIO)")
    .option(
      "--since <date>",
      "only recordings that started at or after this date (YYYY-MM-DD, UTC) or ISO time",
      sinceTime,
    )
    .option("--topic <text>", "only topics containing this text (any case)")
    .option("--limit <n>", "at most this many recordings", positiveWhole)
    .action(
      withGlobals(async ({ options, out }, flags: ListFlags) => {
        const [core, session] = await Promise.all([import("@zrec/core/archive"), import("../session.js")]);
        const filter: ListFilter = {
          ...(flags.since === undefined ? {} : { since: flags.since }),
          ...(flags.topic === undefined ? {} : { topic: flags.topic }),
          ...(flags.limit === undefined ? {} : { limit: flags.limit }),
        };

        const filtered = Object.keys(filter).length > 0 || flags.organization !== undefined;
        const { documents, unindexed } = await session.withExistingBackends(
          options,
          async ({ backends }, { config }) => {
            const organization =
              flags.organization === undefined
                ? {}
                : { organization: configuredSpelling(flags.organization, config) };
            const documents = await backends.index.list({ ...filter, ...organization });
            // An empty index over a store with recordings is a lost or new index, not an empty archive.
            const unindexed =
              documents.length === 0 && !filtered && (await core.storeHoldsRecordings(backends.store));
            return { documents, unindexed };
          },
        );
        if (unindexed) throw core.lostIndexError();
        if (out.json) return printJson(documents);
        if (documents.length === 0) {
          return out.line(filtered ? "No recordings match." : "No recordings are archived yet.");
        }
        out.line(
          formatTable(
            ["recording_id", "start_time", "organization", "recording_path", "files", "topic"],
            rows(documents),
          ),
        );
      }),
    );
}

/** True as soon as one recording document is found; stops there, however big the store. */
function rows(documents: RecordingDocument[]): string[][] {
  return documents.map((d) => [
    d.recording_id,
    d.start_time,
    d.organization,
    d.recording_path,
    String(d.files.length),
    // Last, so a long topic does not push the other columns apart.
    typeof d.meeting_topic === "string" ? visible(d.meeting_topic) : "",
  ]);
}

/** A topic is the host's text: control characters are shown as escapes, never sent to the terminal. */
export function visible(text: string): string {
  let shown = "";
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    const control = code < 0x20 || (code >= 0x7f && code <= 0x9f);
    shown += control ? `\\u${code.toString(16).padStart(4, "0")}` : char;
  }
  return shown;
}

/**
 * `folio` as the configuration spells it (`FOLIO`), so an index that matches case exactly (DynamoDB's
 * key query) finds it too; a name no rule has is passed on as typed.
 */
export function configuredSpelling(
  name: string,
  config: Pick<Config, "organizations" | "defaultOrganization">,
): string {
  const names = [...config.organizations.map((rule) => rule.name), config.defaultOrganization];
  return names.find((known) => known.toLowerCase() === name.toLowerCase()) ?? name;
}
