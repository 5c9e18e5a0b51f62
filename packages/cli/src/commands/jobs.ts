/** `zrec jobs list|retry`: the job queue `zrec serve` works through. */
import { existsSync } from "node:fs";
import type { Job, JobQueue } from "@zrec/core";
import { Command, type CommanderError, Option } from "commander";
import { positiveWhole } from "../arg-parsers.js";
import { type GlobalOptions, withGlobals } from "../options.js";
import { formatTable, printJson } from "../ui/output.js";

type Core = typeof import("@zrec/core/archive");

/** Core's JOB_STATES, written out: importing core to define `--state` would load it for `--help` too. */
export const JOB_STATES: readonly Job["state"][] = ["queued", "running", "done", "failed"];

/**
 * program.ts copies the program's output and exit handling onto each command it adds; a command with
 * subcommands of its own must pass that on, or commander would print and exit by itself in them.
 */
class CommandGroup extends Command {
  override copyInheritedSettings(source: Command): this {
    super.copyInheritedSettings(source);
    for (const child of this.commands) child.copyInheritedSettings(this);
    return this;
  }
  override exitOverride(callback?: (error: CommanderError) => never | undefined): this {
    super.exitOverride(callback);
    for (const child of this.commands) child.exitOverride(callback);
    return this;
  }
}

export function jobsCommand(): Command {
  const jobs = new CommandGroup("jobs");
  jobs
    .command("list")
    .description("list jobs, newest first")
    .addOption(new Option("--state <state>", "only jobs in this state").choices(JOB_STATES))
    .option("--limit <n>", "at most this many jobs", positiveWhole, 50)
    .action(
      withGlobals(async ({ options, out }, flags: { state?: Job["state"]; limit: number }) => {
        const state = flags.state;
        const filter = { limit: flags.limit, ...(state === undefined ? {} : { state }) };
        const list = await withQueue(options, (queue, file, core, source) => {
          if (queue) return queue.list(filter);
          // An empty answer here would hide a wrong folder or --config, as `list` once did.
          throw new core.ConfigError(
            "serve.queuePath",
            `There is no job queue at ${file} (from ${source}).`,
            {
              suggestion:
                "`zrec serve` creates it when it starts; run zrec in the folder of your zrec.config.json or pass --config FILE.",
            },
          );
        });
        if (out.json) return printJson(list);
        if (list.length === 0) return out.line(state === undefined ? "No jobs yet." : `No ${state} jobs.`);
        out.line(
          formatTable(["id", "state", "tries", "recording_id", "event", "updated", "error"], list.map(row)),
        );
      }),
    );
  jobs
    .command("retry")
    .description("queue a failed job again (or a waiting one now); a running zrec serve picks it up")
    .argument("<id>", "the job's id, as `zrec jobs list` shows it")
    .action(
      withGlobals(async ({ options, out }, id: string, _flags: unknown) => {
        const job = await withQueue(options, (queue, file, core) => {
          if (!queue)
            throw new core.NotFoundError(
              `No job ${JSON.stringify(id)}: there is no job queue at ${file} yet.`,
            );
          return queue.retry(id);
        });
        if (out.json) return printJson(job);
        out.line(`Job ${job.id} (recording ${job.recording_id}) is queued again.`);
      }),
    );
  return jobs;
}

/** Opens the configured queue for `use`; a queue that was never created reads as empty, not created. */
async function withQueue<T>(
  options: Pick<GlobalOptions, "config" | "profile">,
  use: (queue: JobQueue | undefined, file: string, core: Core, source: string) => T,
): Promise<T> {
  const [core, { resolveFor, configName }] = await Promise.all([
    import("@zrec/core/archive"),
    import("../session.js"),
  ]);
  const resolved = await resolveFor(options);
  const { config, baseDir } = resolved;
  const file = core.jobQueuePath(config, baseDir);
  if (!existsSync(file)) return use(undefined, file, core, configName(resolved));
  const queue = await core.openJobQueue(file);
  try {
    return use(queue, file, core, configName(resolved));
  } finally {
    queue.close();
  }
}

function row(job: Job): string[] {
  const due = Date.parse(job.next_attempt_at);
  const waiting = job.state === "queued" && due > Date.now();
  const error = job.last_error ?? "";
  return [
    job.id,
    waiting ? `queued until ${short(job.next_attempt_at)}` : job.state,
    String(job.attempts),
    job.recording_id,
    job.event.replace(/^recording\./, ""),
    short(job.updated_at),
    error.length > 80 ? `${error.slice(0, 79)}…` : error,
  ];
}

const short = (iso: string) => iso.replace(/\.\d{3}Z$/, "Z");
