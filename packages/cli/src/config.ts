/**
 * Finding and reading the configuration file (cosmiconfig lives here and nowhere else). Validation,
 * defaults and secrets from the environment are core's `loadConfig`; this file only decides which file
 * and turns its text into a value, with errors that name the file and never quote it.
 *
 * A JSON file (`zrec.config.json` in the folder, or `--config x.json`) is read directly: loading
 * cosmiconfig and building its explorer cost every command more time than the rest of finding the
 * file (issue #18). cosmiconfig is imported for everything else, with the same result.
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

/** DESIGN.md's list, in the order they win when a folder holds several. */
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
 * The configuration for a command: `--config FILE` exactly, else the first of SEARCH_PLACES in `cwd`,
 * else the embedded default.
 *
 * The search looks in the working directory only (searchStrategy "none"). Walking up to parents would
 * let a stray file in a home or project folder silently redirect where recordings are stored.
 *
 * @throws InputError when `--config` names a missing or unreadable file, or the file does not parse.
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

  let found: CosmiconfigResult;
  let wanted: string | undefined;
  try {
    if (options.configPath !== undefined) {
      wanted = path.resolve(cwd, options.configPath);
      await checkIsFile(wanted, options.configPath);
      found = (await readJsonDirectly(wanted, name, "load")) ?? (await (await explorer()).load(wanted));
    } else {
      const first = path.join(cwd, SEARCH_PLACES[0] as string);
      found = (await readJsonDirectly(first, name, "search")) ?? (await (await explorer()).search(cwd));
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

  if (!found && options.configPath !== undefined) {
    // Only package.json (without a "zrec" key) or a file holding just `null` get here.
    throw new InputError(`Config file ${options.configPath} holds no zrec configuration.`);
  }
  const profile = options.profile;
  if (profile !== undefined && profile.trim() === "") {
    throw new InputError("--profile needs the name of a profile from the AWS config files.");
  }
  if (!found)
    return { config: withProfile(loadConfig(undefined, { env, baseDir: cwd }), profile), baseDir: cwd };
  const baseDir = path.dirname(found.filepath);
  const file = name(found.filepath);
  const source = path.basename(found.filepath) === "package.json" ? `${file} (key "zrec")` : file;
  const raw = found.isEmpty ? undefined : found.config;
  return { config: withProfile(loadConfig(raw, { env, baseDir, source }), profile), source, baseDir };
}

/**
 * A JSON configuration file read as cosmiconfig would read it, without loading cosmiconfig: the common
 * case, a `zrec.config.json` or `--config x.json` holding an object. Undefined when cosmiconfig must
 * decide: not a .json file (or package.json, whose "zrec" key it reads), a file that cannot be read
 * (the search then goes on to the next place), `$import` (which it merges), and in a search a file
 * that is empty or `null` (which it passes over).
 */
async function readJsonDirectly(
  filepath: string,
  name: (filepath: string) => string,
  how: "search" | "load",
): Promise<CosmiconfigResult | undefined> {
  if (path.extname(filepath) !== ".json" || path.basename(filepath) === "package.json") return undefined;
  let content: string;
  try {
    content = await readFile(filepath, "utf8");
  } catch {
    return undefined;
  }
  if (content.trim() === "")
    return how === "load" ? { filepath, config: undefined, isEmpty: true } : undefined;
  const config = parseJsonConfig(content, filepath, name);
  if (config === null) return how === "load" ? null : undefined;
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
