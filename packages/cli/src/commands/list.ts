/** `zrec list`: what the index holds, newest first. */
import type { Config, ListFilter, ObjectStore, RecordingDocument } from "@zrec/core";
import { Command } from "commander";
import { globalOptions } from "../options.js";
import { createOutput, formatTable, printJson } from "../ui/output.js";

interface ListFlags {
  organization?: string;
  since?: string;
  topic?: string;
  limit?: string;
}

export function listCommand(): Command {
  return new Command("list")
    .description("list archived recordings, newest first")
    .option("--organization <name>", "only this organisation, as the table shows it (e.g. FOLIO)")
    .option(
      "--since <date>",
      "only recordings that started at or after this date (YYYY-MM-DD, UTC) or ISO time",
    )
    .option("--topic <text>", "only topics containing this text (any case)")
    .option("--limit <n>", "at most this many recordings")
    .action(async (flags: ListFlags, command: Command) => {
      const options = globalOptions(command);
      const out = createOutput(options);
      const [core, session] = await Promise.all([import("@zrec/core/archive"), import("../session.js")]);
      const problem = (message: string) => new core.InputError(message);
      const filter: ListFilter = {
        ...(flags.since === undefined ? {} : { since: parseSince(flags.since, problem) }),
        ...(flags.topic === undefined ? {} : { topic: flags.topic }),
        ...(flags.limit === undefined ? {} : { limit: parseLimit(flags.limit, problem) }),
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
          const unindexed = documents.length === 0 && !filtered && (await holdsRecordings(backends.store));
          return { documents, unindexed };
        },
      );
      if (unindexed) {
        throw new core.NotFoundError(
          "The index holds no recordings, but the store does: the index is new or was moved away.",
          { suggestion: "Run `zrec rebuild-db` to index every recording document in the store." },
        );
      }
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
    });
}

/** True as soon as one recording document is found; stops there, however big the store. */
async function holdsRecordings(store: ObjectStore): Promise<boolean> {
  for await (const key of store.list("")) if (key.endsWith("/recording_document.json")) return true;
  return false;
}

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

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A date stays a date (the index compares it with start_time as text, so `2024-07-04` means from that
 * UTC day on); a time with an offset becomes UTC, which is how start_time is written.
 */
export function parseSince(value: string, problem: (message: string) => Error): string {
  const date = DATE.exec(value);
  if (date) {
    const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const utc = new Date(Date.UTC(year, month - 1, day));
    if (utc.getUTCMonth() === month - 1 && utc.getUTCDate() === day) return value;
  } else if (DATE_TIME.test(value) && !Number.isNaN(Date.parse(value))) {
    return new Date(value).toISOString().replace(".000Z", "Z");
  }
  throw problem(
    `--since ${JSON.stringify(value)} is not a date: write YYYY-MM-DD or an ISO time like 2024-07-04T13:00Z.`,
  );
}

export function parseLimit(value: string, problem: (message: string) => Error): number {
  const limit = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw problem(`--limit ${JSON.stringify(value)} is not a positive whole number.`);
  }
  return limit;
}
