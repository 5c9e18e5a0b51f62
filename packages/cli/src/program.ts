/**
 * The `zrec` program: global options and the subcommands. Only the module of the command a run invokes
 * is imported (commands/index.ts lists the others with what `zrec --help` shows of them), and nothing
 * here or at the top of a command file loads @zrec/core, cosmiconfig or ora: `zrec --help` and
 * `zrec --version` load commander only, and each command imports what it needs inside its action.
 */
import { readFileSync } from "node:fs";
import { Command, type CommanderError, Help } from "commander";
import { COMMANDS, type CommandEntry, invokedCommand } from "./commands/index.js";
import { SilentExit, UsageError } from "./errors.js";

/** A command this run does not invoke: its name and line for the help and for "Did you mean …?". */
class Unloaded extends Command {
  constructor(readonly entry: CommandEntry) {
    super(entry.name);
    this.description(entry.description);
  }
}

function packageVersion(): string {
  // package.json sits one level above both src/ (run from source) and dist/ (built).
  const text = readFileSync(new URL("../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}

/**
 * Commander's exits become errors main.ts handles: help and version end quietly, anything else is a
 * usage error (exit 2) whose message commander would have printed itself. `json` says whether --json
 * was given; `command` is the one whose exits these are.
 */
function exitHandler(commandPath: string, json: () => boolean, command?: Command) {
  return (error: CommanderError): never => {
    if (error.exitCode === 0) throw new SilentExit(0);
    if (error.code === "commander.help") {
      // `zrec` or `zrec jobs` without a (sub)command: commander has printed the help to stderr, which
      // is all a person needs. With --json a script reads stdout, so it gets the usage error there
      // instead, as for any other usage error (and the help is not printed, see buildProgram).
      if (!json()) throw new SilentExit(2);
      throw missingCommand(commandPath, command);
    }
    const [first = error.message, ...rest] = error.message.replace(/^error: /, "").split("\n");
    // Commander words its hint "(Did you mean list?)"; on a line of its own the brackets are noise.
    const hint = rest
      .join(" ")
      .trim()
      .replace(/^\((.*)\)$/, "$1");
    // A refused value is said in full (what it is not, or the choices); the help would add nothing.
    if (error.code === "commander.invalidArgument") throw new UsageError(invalidValue(first));
    throw new UsageError(first, hint || `Run "${commandPath} --help" to see how it is used.`);
  };
}

/** `zrec --json` or `zrec --json jobs`: no (sub)command was given. */
function missingCommand(commandPath: string, command?: Command): UsageError {
  const subcommands = (command?.commands ?? []).map((sub) => sub.name()).filter((name) => name !== "help");
  const which =
    subcommands.length > 0
      ? ` (${subcommands.slice(0, -1).join(", ")}${subcommands.length > 1 ? " or " : ""}${subcommands.at(-1)})`
      : "";
  const what = command === undefined ? "a command" : `a subcommand${which}`;
  return new UsageError(
    `${commandPath} needs ${what}.`,
    `Run "${commandPath} --help" to see how it is used.`,
  );
}

const INVALID_OPTION = /^option '(?:-\w, )?(-[^ ']+)[^']*' argument '([\s\S]*)' is invalid\. ([\s\S]*)$/;

/**
 * Commander's "option '--limit <n>' argument 'x' is invalid. is not a positive whole number." in the
 * words zrec has always used: `--limit "x" is not a positive whole number.` The reason is what a parser
 * of arg-parsers.ts threw, or commander's own for `.choices()`.
 */
export function invalidValue(message: string): string {
  const match = INVALID_OPTION.exec(message);
  if (!match) return message;
  const [, flag, value, reason = ""] = match;
  const choices = /^Allowed choices are (.*)\.$/.exec(reason);
  return `${flag} ${JSON.stringify(value)} ${choices ? `is not one of ${choices[1]}.` : reason}`;
}

/**
 * Builds a fresh program for the command line `args` (tests parse several, each with its own program),
 * with the invoked command defined in full and the others by name and description only.
 * @example
 * const args = ["list", "--json"];
 * await (await buildProgram(args)).parseAsync(args, { from: "user" });
 */
export async function buildProgram(args: readonly string[]): Promise<Command> {
  // Commander has read the options by the time it shows that help; the words are the fallback.
  const json = () => program.opts().json === true || args.includes("--json");
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
    .configureHelp({
      // `zrec ingest --help` then lists --config, --json … too: they work after the subcommand as well.
      showGlobalOptions: true,
      subcommandTerm(this: Help, command: Command) {
        return command instanceof Unloaded
          ? command.entry.term
          : Help.prototype.subcommandTerm.call(this, command);
      },
    })
    .configureOutput({
      outputError: () => {},
      // Only the help shown for a missing command goes here; with --json the usage error says it.
      writeErr: (text) => {
        if (!json()) process.stderr.write(text);
      },
    })
    .exitOverride(exitHandler("zrec", json));

  const invoked = invokedCommand(args);
  for (const entry of COMMANDS) {
    const command =
      entry === invoked ? (await entry.load())().description(entry.description) : new Unloaded(entry);
    // addCommand, unlike .command(), does not pass settings down: copy the output and exit handling.
    command.copyInheritedSettings(program).exitOverride(exitHandler(`zrec ${command.name()}`, json, command));
    // Subcommands of a group (`zrec site build`) are added before the group reaches the program.
    for (const sub of command.commands) {
      sub
        .copyInheritedSettings(command)
        .exitOverride(exitHandler(`zrec ${command.name()} ${sub.name()}`, json, sub));
    }
    program.addCommand(command);
  }
  return program;
}
