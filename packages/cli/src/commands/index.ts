/**
 * Every command, in the order `zrec --help` lists them, with what that list shows of it. program.ts
 * imports only the module of the command a run invokes; the others are known by this table alone, so
 * `zrec list` does not load and define thirteen commands to use one (issue #18).
 */
import type { Command } from "commander";

export interface CommandEntry {
  name: string;
  /** How `zrec --help` lists it: what commander writes for the defined command (program.test.ts checks). */
  term: string;
  /** The one line `zrec --help` and the command's own help show; the module does not repeat it. */
  description: string;
  /** The command's module, imported; each exports a factory because commander keeps parsed values. */
  load(): Promise<() => Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "ingest",
    term: "ingest [options] [webhook.json]",
    description: "archive the recording of a recording.completed event saved as JSON",
    load: async () => (await import("./ingest.js")).ingestCommand,
  },
  {
    name: "get",
    term: "get [options] <recording-id>",
    description: "print the recording document of a recording from the index",
    load: async () => (await import("./get.js")).getCommand,
  },
  {
    name: "list",
    term: "list [options]",
    description: "list archived recordings, newest first",
    load: async () => (await import("./list.js")).listCommand,
  },
  {
    name: "reindex",
    term: "reindex [options] <document.json>",
    description: "write an edited recording document to the store and the index, and notify",
    load: async () => (await import("./reindex.js")).reindexCommand,
  },
  {
    name: "sweep-missed",
    term: "sweep-missed [options]",
    description: "ingest the recordings Zoom holds that the archive lacks (a webhook that never came)",
    load: async () => (await import("./sweep-missed.js")).sweepMissedCommand,
  },
  {
    name: "purge-old",
    term: "purge-old [options]",
    description: "delete the recordings whose disposition says they are due (lists them without --yes)",
    load: async () => (await import("./purge-old.js")).purgeOldCommand,
  },
  {
    name: "rebuild-db",
    term: "rebuild-db [options]",
    description: "rebuild the index from every {id}/recording_document.json in the store",
    load: async () => (await import("./rebuild-db.js")).rebuildDbCommand,
  },
  {
    name: "serve",
    term: "serve [options]",
    description: "receive Zoom's webhooks and archive each recording through a durable job queue",
    load: async () => (await import("./serve.js")).serveCommand,
  },
  {
    name: "jobs",
    term: "jobs",
    description: "the job queue of zrec serve: list jobs, retry a failed one",
    load: async () => (await import("./jobs.js")).jobsCommand,
  },
  {
    name: "setup",
    term: "setup",
    description: "create the bucket, table, queue or folders the configuration names, where missing",
    load: async () => (await import("./setup.js")).setupCommand,
  },
  {
    name: "doctor",
    term: "doctor",
    description: "check the configuration, AWS credentials, each backend and each Zoom account",
    load: async () => (await import("./doctor.js")).doctorCommand,
  },
  {
    name: "site",
    term: "site",
    description: "build the archive's website into the store, or serve it locally",
    load: async () => (await import("./site.js")).siteCommand,
  },
  {
    name: "search",
    term: "search [options] <words...>",
    description: "find published recordings by topic or by words said in them (needs `zrec site build`)",
    load: async () => (await import("./search.js")).searchCommand,
  },
];

/** Global options whose next word is their value, never a command: `zrec --config list.json list`. */
const VALUE_OPTIONS = /^(--config|--profile|-[A-Za-z]*c)$/;

/**
 * The command a command line runs, found as commander will find it: the first word that is not an
 * option (or an option's value); after `help`, the word after it.
 * @example
 * invokedCommand(["--json", "help", "list"])?.name; // "list"
 */
export function invokedCommand(args: readonly string[]): CommandEntry | undefined {
  let afterHelp = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (VALUE_OPTIONS.test(arg)) i++;
    else if (arg.startsWith("-")) continue;
    else if (arg === "help" && !afterHelp) afterHelp = true;
    else return COMMANDS.find((entry) => entry.name === arg);
  }
  return undefined;
}
