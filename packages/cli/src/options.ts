/** The options every command takes, read the same way everywhere. */
import type { Command } from "commander";
import { createOutput, type Output } from "./ui/output.js";

export interface GlobalOptions {
  /** `--config FILE`: use exactly this file instead of searching the current directory. */
  config?: string;
  /** `--profile NAME`: the AWS profile every AWS backend uses, whatever the configuration says. */
  profile?: string;
  /** Only machine-readable output on stdout. */
  json: boolean;
  /** Nothing on stdout but results asked for as JSON; no warnings, no progress. */
  quiet: boolean;
  /** Stack traces (and causes) with errors. */
  verbose: boolean;
  /** False with `--no-color` or a non-empty NO_COLOR (https://no-color.org). */
  color: boolean;
}

/**
 * The global options as seen from `command`. Commander keeps them on the program even when they are
 * written after the subcommand (`zrec ingest x.json --json`), so they are read with the globals merged.
 */
export function globalOptions(command: Command, env: NodeJS.ProcessEnv = process.env): GlobalOptions {
  const raw = command.optsWithGlobals<Record<string, unknown>>();
  const options: GlobalOptions = {
    json: raw.json === true,
    quiet: raw.quiet === true,
    verbose: raw.verbose === true,
    color: raw.color !== false && !env.NO_COLOR,
  };
  if (typeof raw.config === "string") options.config = raw.config;
  if (typeof raw.profile === "string") options.profile = raw.profile;
  return options;
}

/**
 * A command's action, handed the global options and the output they ask for, as every command starts.
 * Commander calls an action with the operands, the command's own flags, then the command itself.
 * @example
 * .action(withGlobals(async ({ options, out }, id: string, flags: GetFlags) => { … }))
 */
export function withGlobals<A extends unknown[]>(
  run: (globals: { options: GlobalOptions; out: Output }, ...args: A) => Promise<void>,
): (...args: unknown[]) => Promise<void> {
  return (...args) => {
    const options = globalOptions(args.at(-1) as Command);
    return run({ options, out: createOutput(options) }, ...(args.slice(0, -1) as A));
  };
}
