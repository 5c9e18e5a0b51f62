/** `zrec list`: what the index holds, newest first. */
import type { ListFilter, RecordingDocument } from "@zrec/core";
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
      const [core, { withBackends }] = await Promise.all([
        import("@zrec/core/archive"),
        import("../session.js"),
      ]);
      const problem = (message: string) => new core.InputError(message);
      const filter: ListFilter = {
        ...(flags.organization === undefined ? {} : { organization: flags.organization }),
        ...(flags.since === undefined ? {} : { since: parseSince(flags.since, problem) }),
        ...(flags.topic === undefined ? {} : { topic: flags.topic }),
        ...(flags.limit === undefined ? {} : { limit: parseLimit(flags.limit, problem) }),
      };

      const documents = await withBackends(options, ({ backends }) => backends.index.list(filter));
      if (out.json) return printJson(documents);
      if (documents.length === 0) {
        return out.line(
          Object.keys(filter).length > 0 ? "No recordings match." : "No recordings are archived yet.",
        );
      }
      out.line(
        formatTable(
          ["recording_id", "start_time", "organization", "recording_path", "files"],
          rows(documents),
        ),
      );
    });
}

function rows(documents: RecordingDocument[]): string[][] {
  return documents.map((d) => [
    d.recording_id,
    d.start_time,
    d.organization,
    d.recording_path,
    String(d.files.length),
  ]);
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
