/** From whatever a configuration file held to one typed, normalised Config. */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { resolve, sep } from "node:path";
import { ConfigError, messageOf } from "../errors.js";
import { isObject } from "../validation/is-object.js";
import { kindOf } from "../validation/issues.js";
import { defaultConfig } from "./defaults.js";
import { applyEnvSecrets, type Env, type IncompleteEnvAccount, incompleteAccountError } from "./env.js";
import { configErrorFrom } from "./issues.js";
import { mergeOverDefaults } from "./merge.js";
import { configSchema } from "./schema.js";
import type { Config } from "./types.js";

export interface LoadConfigOptions {
  /** Where ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET and ZOOM_WEBHOOK_SECRET_TOKEN are read. Default `process.env`. */
  env?: Env;
  /** Relative `storage.root`, `index.path` and `notify.path` resolve against it. Default `process.cwd()`. */
  baseDir?: string;
  /** What a leading `~` of a local path stands for. Default `os.homedir()`. */
  homeDir?: string;
  /** The configuration file's name, which every error message starts with. Default `configuration`. */
  source?: string;
  /**
   * ZOOM_CLIENT_SECRET (or another of the account variables) set while neither the variables nor the
   * file give the default account's accountId and clientId, and the file has no `zoom.accounts.default`
   * of its own: `"error"` (the default) refuses the configuration; `"defer"` loads it with that account
   * as far as it goes (an empty accountId or clientId), which requireZoomAccount refuses with the same
   * sentence. The CLI defers, so that `zrec list` does not fail over a Zoom variable it never uses.
   */
  incompleteEnvAccount?: "error" | "defer";
}

/**
 * Validates a configuration file's content and returns the complete Config: the file laid over the
 * embedded default (`undefined` or `null` is the default itself), secrets from the environment laid
 * over that, relative paths made absolute. Throws ConfigError naming the first key at fault.
 *
 * Objects merge key by key and lists replace; a `storage`, `index` or `notify` block of another `type`
 * replaces the default block instead of merging with it.
 *
 * @example
 * const config = loadConfig(JSON.parse(await readFile("zrec.config.json", "utf8")), {
 *   source: "zrec.config.json",
 *   baseDir: process.cwd(),
 * });
 * // config.storage.type === "fs", config.ingest.partSizeMiB === 8 unless the file says otherwise
 */
export function loadConfig(raw: unknown, options: LoadConfigOptions = {}): Config {
  const source = options.source ?? "configuration";
  try {
    const given = raw ?? {};
    if (!isObject(given)) {
      throw new ConfigError("", `${source}: must hold an object of settings, not ${kindOf(given)}`);
    }
    const { candidate, incomplete } = applyEnvSecrets(
      mergeOverDefaults(given, defaultConfig),
      options.env ?? process.env,
    );
    // A configuration is parsed once per process: zod's compiled fast path (new Function per object
    // schema) costs more to build than it ever saves, 20-60 ms of every command's start-up (#18).
    const result = configSchema.safeParse(candidate, { jitless: true });
    // The file's own mistakes come first: a misspelt key ("clientid", "acounts") is the likelier
    // cause of an incomplete default account than a variable the user forgot, and the schema's sentence
    // names it. Only the fields the variables were to fill are left to the sentence about them.
    const issues = result.success
      ? []
      : result.error.issues.filter((issue) => !explainedBy(incomplete, issue.path));
    if (issues.length > 0) throw configErrorFrom(issues, candidate, source);
    if (incomplete && (incomplete.inFile || options.incompleteEnvAccount !== "defer")) {
      throw incompleteAccountError(incomplete, source);
    }
    if (!result.success) throw configErrorFrom(result.error.issues, candidate, source);
    const config = normalise(result.data, options.baseDir ?? process.cwd(), options.homeDir ?? homedir());
    return incomplete ? withDeferredAccount(config, incomplete) : config;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    // Anything else (a getter in a JS config that throws, nesting that exhausts the stack) is still a
    // bad configuration, and must reach the user as one sentence, not a crash.
    throw new ConfigError("", `${source}: could not be read as a configuration (${messageOf(error)})`, {
      cause: error,
    });
  }
}

/** A missing accountId or clientId of a default account the variables were to complete. */
function explainedBy(incomplete: IncompleteEnvAccount | undefined, path: readonly PropertyKey[]): boolean {
  if (incomplete === undefined || path.length !== 4) return false;
  const [zoom, accounts, name, field] = path;
  return (
    zoom === "zoom" &&
    accounts === "accounts" &&
    name === "default" &&
    incomplete.missing.some((missing) => missing === field)
  );
}

/**
 * The default account the variables began and did not complete, kept with empty strings for what they
 * did not give: requireZoomAccount refuses it with the sentence loading would have thrown.
 */
function withDeferredAccount(config: Config, incomplete: IncompleteEnvAccount): Config {
  const text = (value: unknown) => (typeof value === "string" ? value : "");
  const { account } = incomplete;
  const deferred = {
    accountId: text(account.accountId),
    clientId: text(account.clientId),
    clientSecret: text(account.clientSecret),
  };
  return { ...config, zoom: { ...config.zoom, accounts: { ...config.zoom.accounts, default: deferred } } };
}

/**
 * Local paths made absolute: a leading `~` or `~/` is the home folder (a shell expands it on the command
 * line, but nothing does in a file, and a folder literally named `~` is never what was meant); any other
 * relative path is relative to `baseDir`. `serve.queuePath` is resolved against `baseDir` where it is
 * used, so only its `~` is expanded here.
 */
function normalise(config: Config, baseDir: string, homeDir: string): Config {
  const { storage, index, notify, zoom, serve } = config;
  const local = (key: string, path: string) => {
    const expanded = expandHome(path, homeDir);
    const literal = resolve(baseDir, path);
    // Before `~` meant the home folder, "~/archive" was a folder named "~" beside the configuration:
    // an archive there must not be left for a new, empty one (and a sweep fetching everything again).
    if (expanded !== path && existsSync(literal) && !existsSync(expanded)) {
      throw new ConfigError(
        key,
        `${key} "${path}" means ${expanded} (the home folder), which does not exist, while ${literal} (a folder named "~", where an older zrec put it) does: move it to ${expanded}, or write ${key} as "./${path}" to keep it where it is`,
      );
    }
    return resolve(baseDir, expanded);
  };
  return {
    ...config,
    // A trailing slash would double the one every API path starts with.
    zoom: { ...zoom, apiBaseUrl: zoom.apiBaseUrl.replace(/\/+$/, "") },
    storage: storage.type === "fs" ? { ...storage, root: local("storage.root", storage.root) } : storage,
    index: index.type === "sqlite" ? { ...index, path: local("index.path", index.path) } : index,
    notify: notify.type === "outbox" ? { ...notify, path: local("notify.path", notify.path) } : notify,
    serve: serve.queuePath === null ? serve : { ...serve, queuePath: expandHome(serve.queuePath, homeDir) },
  };
}

/** `~` and `~/…` (`~\…` on Windows) under the home folder; `~user/…` and `a/~/b` are left as written. */
function expandHome(path: string, homeDir: string): string {
  if (path === "~") return homeDir;
  if (path.startsWith("~/") || (sep === "\\" && path.startsWith("~\\")))
    return resolve(homeDir, path.slice(2));
  return path;
}
