/**
 * The `zrec` program: global options and the subcommands. Nothing here (or at the top of a command
 * file) loads @zrec/core, cosmiconfig or ora, so `zrec --help` and `zrec --version` load commander only;
 * each command imports what it needs inside its action.
 */
import { readFileSync } from "node:fs";
import { Command, type CommanderError } from "commander";
import { doctorCommand } from "./commands/doctor.js";
import { getCommand } from "./commands/get.js";
import { ingestCommand } from "./commands/ingest.js";
import { jobsCommand } from "./commands/jobs.js";
import { listCommand } from "./commands/list.js";
import { purgeOldCommand } from "./commands/purge-old.js";
import { rebuildDbCommand } from "./commands/rebuild-db.js";
import { reindexCommand } from "./commands/reindex.js";
import { searchCommand } from "./commands/search.js";
import { serveCommand } from "./commands/serve.js";
import { setupCommand } from "./commands/setup.js";
import { siteCommand } from "./commands/site.js";
import { sweepMissedCommand } from "./commands/sweep-missed.js";
import { SilentExit, UsageError } from "./errors.js";

/**
 * One place lists the commands; `zrec --help` shows them in this order. Each file exports a factory
 * rather than an instance because commander keeps parsed values on the instance.
 */
const commands: (() => Command)[] = [
  ingestCommand,
  getCommand,
  listCommand,
  reindexCommand,
  sweepMissedCommand,
  purgeOldCommand,
  rebuildDbCommand,
  serveCommand,
  jobsCommand,
  setupCommand,
  doctorCommand,
  siteCommand,
  searchCommand,
];

function packageVersion(): string {
  // package.json sits one level above both src/ (run from source) and dist/ (built).
  const text = readFileSync(new URL("../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}

/**
 * Commander's exits become errors main.ts handles: help and version end quietly, anything else is a
 * usage error (exit 2) whose message commander would have printed itself.
 */
function exitHandler(commandPath: string) {
  return (error: CommanderError): never => {
    if (error.exitCode === 0) throw new SilentExit(0);
    // `zrec` with no command: commander has already printed the help to stderr.
    if (error.code === "commander.help") throw new SilentExit(2);
    const [first = error.message, ...rest] = error.message.replace(/^error: /, "").split("\n");
    // Commander words its hint "(Did you mean list?)"; on a line of its own the brackets are noise.
    const hint = rest
      .join(" ")
      .trim()
      .replace(/^\((.*)\)$/, "$1");
    throw new UsageError(first, hint || `Run "${commandPath} --help" to see how it is used.`);
  };
}

/**
 * Builds a fresh program (tests parse several command lines, each with its own program).
 * @example
 * await buildProgram().parseAsync(["node", "zrec", "list", "--json"]);
 */
export function buildProgram(): Command {
  const program = new Command("zrec")
    .description("Archive Zoom cloud recordings into storage you own.")
    .version(packageVersion(), "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .option("-c, --config <file>", "use this configuration file instead of searching the current directory")
    .option("--profile <name>", "the AWS profile (from ~/.aws/config) every AWS backend uses")
    .option("--json", "print only machine-readable JSON on stdout")
    .option("-q, --quiet", "print nothing but errors (what --json asks for is still printed)")
    .option("--verbose", "show stack traces with errors")
    .option("--no-color", "no colours (also when NO_COLOR is set)")
    .showSuggestionAfterError(true)
    // `zrec ingest --help` then lists --config, --json … too: they work after the subcommand as well.
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ outputError: () => {} })
    .exitOverride(exitHandler("zrec"));

  for (const create of commands) {
    const command = create();
    // addCommand, unlike .command(), does not pass settings down: copy the output and exit handling.
    command.copyInheritedSettings(program).exitOverride(exitHandler(`zrec ${command.name()}`));
    // Subcommands of a group (`zrec site build`) are added before the group reaches the program.
    for (const sub of command.commands) {
      sub.copyInheritedSettings(command).exitOverride(exitHandler(`zrec ${command.name()} ${sub.name()}`));
    }
    program.addCommand(command);
  }
  return program;
}
