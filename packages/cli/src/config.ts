/**
 * Finding and reading the configuration file (cosmiconfig lives here and nowhere else). Validation,
 * defaults and secrets from the environment are core's `loadConfig`; this file only decides which file
 * and turns its text into a value, with errors that name the file and never quote it.
 *
 * The folder is searched with a stat per place, and a JSON file (`zrec.config.json`, `.zrecrc.json`,
 * `--config x.json`) is read directly: loading cosmiconfig and building its explorer cost every command
 * more time than the rest of finding the file (issue #18). cosmiconfig is imported to load the other
 * kinds (YAML, JS, TS, package.json, `$import`).
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import {
  type Config,
  InputError,
  loadConfig,
  messageOf,
  withAwsProfile,
  ZrecError,
} from "@zrec/core/archive";
import type { CosmiconfigResult, Loader } from "cosmiconfig";
import { parseJsonText } from "./json-file.js";

/** DESIGN.md's list, in the order they are named when a folder holds several (an error, see findConfigFile). */
const SEARCH_PLACES = [
  "zrec.config.json",
  "zrec.config.yaml",
  "zrec.config.yml",
  "zrec.config.js",
  "zrec.config.mjs",
  "zrec.config.cjs",
  "zrec.config.ts",
  ".zrecrc",
  ".zrecrc.json",
  ".zrecrc.yaml",
  "package.json",
];

export interface ResolvedConfig {
  config: Config;
  /** The file it came from, relative to the working directory; absent for the embedded default. */
  source?: string;
  /** Relative paths in the configuration resolve against this: the file's folder, else the cwd. */
  baseDir: string;
}

export interface ResolveConfigOptions {
  /** `--config FILE`, as the user wrote it. */
  configPath?: string;
  cwd: string;
  env?: Record<string, string | undefined>;
  /** `--profile NAME`: replaces `profile` in every AWS backend block (s3, dynamodb, sqs). */
  profile?: string;
}

/** js-yaml's error: `reason` is the problem alone; `message` would quote the lines around it. */
interface YamlError {
  reason?: string;
  mark?: { line: number; column: number };
}

function yamlProblem(error: unknown): string {
  const { reason, mark } = error as YamlError;
  if (typeof reason !== "string") return "the text is not valid YAML";
  return mark ? `${reason} at line ${mark.line + 1}, column ${mark.column + 1}` : reason;
}

/** JSON as the loaders below read it: errors are one sentence naming the file, never quoting it. */
function parseJsonConfig(content: string, filepath: string, name: (filepath: string) => string): unknown {
  return parseJsonText(
    content,
    (problem) => new InputError(`Config file ${name(filepath)} is not valid JSON: ${problem}.`),
  );
}

/** Loaders whose errors are one sentence naming the file (cosmiconfig's quote its text). */
function safeLoaders(
  name: (filepath: string) => string,
  defaultLoaders: typeof import("cosmiconfig").defaultLoaders,
): Record<string, Loader> {
  const json: Loader = (filepath, content) => parseJsonConfig(content, filepath, name);
  const yaml: Loader = (filepath, content) => {
    try {
      return defaultLoaders[".yaml"](filepath, content);
    } catch (error) {
      throw new InputError(`Config file ${name(filepath)} is not valid YAML: ${yamlProblem(error)}.`);
    }
  };
  const code =
    (load: Loader): Loader =>
    async (filepath, content) => {
      try {
        return await load(filepath, content);
      } catch (error) {
        throw new InputError(`Config file ${name(filepath)} could not be loaded: ${firstLine(error)}.`, {
          cause: error,
        });
      }
    };
  return {
    ".json": json,
    ".yaml": yaml,
    ".yml": yaml,
    noExt: yaml,
    ".js": code(defaultLoaders[".js"]),
    ".mjs": code(defaultLoaders[".mjs"]),
    ".cjs": code(defaultLoaders[".cjs"]),
    ".ts": code(defaultLoaders[".ts"]),
  };
}

/** cosmiconfig prefixes "TypeScript Error in /abs/path:" on a line of its own; the problem follows. */
function firstLine(error: unknown): string {
  const lines = messageOf(error)
    .split("\n")
    .filter((line) => line.trim() !== "" && !/^\w+ Error in .*:$/.test(line));
  return (lines[0] ?? "unknown error").replace(/\.$/, "");
}

/**
 * The configuration for a command: `--config FILE` exactly, else the one of SEARCH_PLACES in `cwd`,
 * else the embedded default.
 *
 * The search looks in the working directory only. Walking up to parents would let a stray file in a
 * home or project folder silently redirect where recordings are stored. It is zrec's own (a stat per
 * place) rather than cosmiconfig's, which passes over an empty file and stops at the first file it
 * finds: here an empty file, and a second file beside the first, are errors (see findConfigFile).
 *
 * @throws InputError when `--config` names a missing or unreadable file, the file does not parse, is
 *   empty, or the folder holds more than one configuration file.
 * @throws ConfigError (from loadConfig) naming the file and the key at fault.
 * @example
 * const { config, baseDir } = await resolveConfig({ configPath: options.config, cwd: process.cwd() });
 */
export async function resolveConfig(options: ResolveConfigOptions): Promise<ResolvedConfig> {
  const { cwd, env = process.env } = options;
  const name = (filepath: string) => path.relative(cwd, filepath) || path.basename(filepath);
  const explorer = async () => {
    const { cosmiconfig, defaultLoaders } = await import("cosmiconfig");
    return cosmiconfig("zrec", {
      searchPlaces: SEARCH_PLACES,
      searchStrategy: "none",
      loaders: safeLoaders(name, defaultLoaders),
      cache: false,
    });
  };

  let found: CosmiconfigResult = null;
  let wanted: string | undefined;
  try {
    if (options.configPath !== undefined) {
      wanted = path.resolve(cwd, options.configPath);
      await checkIsFile(wanted, options.configPath);
    } else {
      wanted = await findConfigFile(cwd);
    }
    if (wanted !== undefined) {
      found = (await readJsonDirectly(wanted, name)) ?? (await (await explorer()).load(wanted));
    }
  } catch (error) {
    if (error instanceof ZrecError) throw error;
    const file = (error as { filepath?: string }).filepath ?? wanted;
    const which = file === undefined ? "The config file" : `Config file ${name(file)}`;
    const unknownKind = /no loader specified/i.test(messageOf(error));
    throw new InputError(`${which} could not be read: ${firstLine(error)}.`, {
      cause: error,
      ...(unknownKind ? { suggestion: "Name it .json, .yaml, .yml, .js, .mjs, .cjs or .ts." } : {}),
    });
  }

  const profile = options.profile;
  if (profile !== undefined && profile.trim() === "") {
    throw new InputError("--profile needs the name of a profile from the AWS config files.");
  }
  // The CLI loads the Zoom variables lazily: `ZOOM_CLIENT_SECRET` without ZOOM_ACCOUNT_ID and no
  // default account in the file fails the commands that talk to Zoom (requireZoomAccount), not `list`.
  const load = (raw: unknown, baseDir: string, source?: string) =>
    withProfile(
      loadConfig(raw, {
        env,
        baseDir,
        incompleteEnvAccount: "defer",
        ...(source === undefined ? {} : { source }),
      }),
      profile,
    );
  if (wanted === undefined) return { config: load(undefined, cwd), baseDir: cwd };
  const isPackage = path.basename(wanted) === "package.json";
  if (found === null && isPackage && options.configPath !== undefined) {
    throw new InputError(`Config file ${options.configPath} holds no zrec configuration.`);
  }
  if (found === null || found.isEmpty === true || found.config === undefined || found.config === null) {
    throw await emptyConfigError(wanted, name(wanted), options.configPath !== undefined);
  }
  const baseDir = path.dirname(found.filepath);
  const file = name(found.filepath);
  const source = isPackage ? `${file} (key "zrec")` : file;
  return { config: load(found.config, baseDir, source), source, baseDir };
}

const CODE_EXTENSIONS = new Set([".js", ".mjs", ".cjs", ".ts"]);

/**
 * A configuration file that holds nothing: almost always a mistake (a `touch`, a file saved before it
 * was written, everything commented out), and one that used to pass silently as the embedded default
 * while `doctor` and `list` contradicted each other about the file.
 */
async function emptyConfigError(filepath: string, file: string, named: boolean): Promise<InputError> {
  const text = await readFile(filepath, "utf8").catch(() => "");
  const what =
    path.basename(filepath) === "package.json"
      ? 'has an empty "zrec" key'
      : CODE_EXTENSIONS.has(path.extname(filepath))
        ? "exports no configuration"
        : text.trim() === ""
          ? "is empty"
          : "holds no settings (only comments or null)";
  const instead = named ? "or leave out --config" : "or delete it";
  return new InputError(
    `Config file ${file} ${what}: write a configuration (see docs/configuration.md) ${instead}.`,
  );
}

/** True when `filepath` is a file; for package.json, one with a "zrec" key. */
async function holdsConfig(filepath: string): Promise<boolean> {
  try {
    if (!(await stat(filepath)).isFile()) return false;
  } catch {
    return false;
  }
  if (path.basename(filepath) !== "package.json") return true;
  const text = await readFile(filepath, "utf8").catch(() => "");
  try {
    const parsed: unknown = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    return typeof parsed === "object" && parsed !== null && Object.hasOwn(parsed, "zrec");
  } catch {
    // Not JSON: only a package.json that means to hold zrec's settings is worth its parse error.
    return /"zrec"\s*:/.test(text);
  }
}

/**
 * The configuration file in `cwd`, if any. More than one is an error rather than a warning: the order
 * of SEARCH_PLACES would pick one, but a file that is silently ignored (an old zrec.config.yaml beside a
 * new zrec.config.json) makes every edit to it do nothing, and the one that wins decides where
 * recordings are stored and which are deleted; a warning is easily missed (--quiet and cron silence
 * it). Deleting one or passing --config settles it for good.
 */
async function findConfigFile(cwd: string): Promise<string | undefined> {
  const held = await Promise.all(SEARCH_PLACES.map((place) => holdsConfig(path.join(cwd, place))));
  const places = SEARCH_PLACES.filter((_, i) => held[i]);
  const [used, ...ignored] = places;
  if (used === undefined) return undefined;
  if (ignored.length > 0) {
    const named = (place: string) => (place === "package.json" ? 'package.json (key "zrec")' : place);
    throw new InputError(
      `${places.length} configuration files in ${cwd}: zrec would read ${named(used)} and ignore ${ignored.map(named).join(", ")}.`,
      { suggestion: "Delete the ones you do not use, or name one with --config FILE." },
    );
  }
  return path.join(cwd, used);
}

/**
 * A JSON configuration file read as cosmiconfig would read it, without loading cosmiconfig: the common
 * case, a `zrec.config.json` or `--config x.json`. Undefined when cosmiconfig must decide: not a .json
 * file (or package.json, whose "zrec" key it reads), a file that cannot be read (its error then names
 * it), and `$import` (which it merges). An empty file, or one holding `null`, is `isEmpty`.
 */
async function readJsonDirectly(
  filepath: string,
  name: (filepath: string) => string,
): Promise<CosmiconfigResult | undefined> {
  if (path.extname(filepath) !== ".json" || path.basename(filepath) === "package.json") return undefined;
  let content: string;
  try {
    content = await readFile(filepath, "utf8");
  } catch {
    return undefined;
  }
  if (content.trim() === "") return { filepath, config: undefined, isEmpty: true };
  const config = parseJsonConfig(content, filepath, name);
  if (config === null) return { filepath, config: undefined, isEmpty: true };
  if (typeof config === "object" && Object.hasOwn(config, "$import")) return undefined;
  return { filepath, config };
}

function withProfile(config: Config, profile: string | undefined): Config {
  return profile === undefined ? config : withAwsProfile(config, profile);
}

async function checkIsFile(filepath: string, asWritten: string): Promise<void> {
  try {
    if ((await stat(filepath)).isDirectory())
      throw new InputError(`Config file ${asWritten} is a folder, not a file.`);
  } catch (error) {
    if (error instanceof ZrecError) throw error;
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new InputError(`Config file ${asWritten} does not exist.`, { cause: error });
    }
    throw new InputError(`Config file ${asWritten} cannot be read: ${messageOf(error)}.`, { cause: error });
  }
}
