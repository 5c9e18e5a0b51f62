/**
 * The one wrapper around the spinner (ora): a headline plus one line per file being copied, on stderr.
 * ora is imported only when progress is shown, so piped, --json and --quiet runs never load it.
 */
import type { GlobalOptions } from "../options.js";
import { formatBytes } from "./output.js";

export interface Progress {
  /** What is happening now, shown above the file lines. */
  status(text: string): void;
  fileStart(key: string, total?: number): void;
  fileProgress(key: string, loaded: number, total?: number): void;
  fileDone(key: string, size: number, skipped: boolean): void;
  /**
   * Runs `write` (which prints a line to stderr, e.g. a warning) without tearing the spinner's lines.
   * The one method that is not a no-op when progress is off: the line must still be printed.
   */
  printAbove(write: () => void): void;
  /** Removes the spinner; safe to call twice. */
  stop(): void;
}

type Stream = NodeJS.WriteStream;

/**
 * Progress is for a person watching a terminal: never in --json or --quiet runs, pipes, CI or dumb
 * terminals. A terminal reporting no width (some pseudo-terminals) is refused too: ora divides by the
 * width to count the lines it must erase, and with 0 erases forever.
 */
export function progressEnabled(
  options: Pick<GlobalOptions, "json" | "quiet">,
  stream: Pick<Stream, "isTTY" | "columns"> = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  const terminal = stream.isTTY === true && stream.columns > 0 && env.TERM !== "dumb" && !env.CI;
  return terminal && !options.json && !options.quiet;
}

const disabled: Progress = {
  status: () => {},
  fileStart: () => {},
  fileProgress: () => {},
  fileDone: () => {},
  printAbove: (write) => write(),
  stop: () => {},
};

const MiB = 1024 * 1024;
/** About ten redraws a second: faster is flicker, and progress events can come thousands a second. */
const REFRESH_MS = 100;

interface FileState {
  loaded: number;
  total?: number;
  startedAt: number;
}

/** The name within the recording's folder: the recording id is already in the headline. */
const shortName = (key: string) => key.slice(key.lastIndexOf("/") + 1);

function rate(bytes: number, since: number, now: number): string {
  const seconds = (now - since) / 1000;
  return seconds < 0.2 ? "" : `${(bytes / MiB / seconds).toFixed(1)} MiB/s`;
}

function fileLine(key: string, file: FileState, now: number): string {
  const loaded = (file.loaded / MiB).toFixed(1);
  const amount =
    file.total === undefined ? `${loaded} MiB` : `${loaded}/${(file.total / MiB).toFixed(1)} MiB`;
  return [`  ${shortName(key)}`, amount, rate(file.loaded, file.startedAt, now)].filter(Boolean).join("  ");
}

/**
 * @example
 * const progress = await createProgress({ enabled: progressEnabled(options), color: options.color });
 * try { progress.status("Reading metadata"); … } finally { progress.stop(); }
 */
export async function createProgress(options: {
  enabled: boolean;
  color?: boolean;
  stream?: Stream;
  now?: () => number;
}): Promise<Progress> {
  if (!options.enabled) return disabled;
  const { default: ora } = await import("ora");
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  // discardStdin would put the terminal in raw mode, where Ctrl+C reaches us late or not at all.
  const spinner = ora({ stream, color: options.color === false ? false : "cyan", discardStdin: false });
  const files = new Map<string, FileState>();
  let headline = "";
  let dirty = false;
  let stopped = false;

  const refresh = () => {
    dirty = false;
    const at = now();
    spinner.text = [headline, ...[...files].map(([key, file]) => fileLine(key, file, at))].join("\n");
  };
  const timer = setInterval(() => dirty && refresh(), REFRESH_MS);
  timer.unref();
  spinner.start();

  const printAbove = (write: () => void) => {
    if (stopped) return write();
    spinner.clear();
    write();
    spinner.render();
  };

  return {
    status: (text) => {
      headline = text;
      refresh();
    },
    fileStart: (key, total) => {
      files.set(key, { loaded: 0, startedAt: now(), ...(total === undefined ? {} : { total }) });
      refresh();
    },
    fileProgress: (key, loaded, total) => {
      // A report can trail its file's "done"; it must not bring the finished line back.
      const file = files.get(key);
      if (!file) return;
      files.set(key, { ...file, loaded, ...(total === undefined ? {} : { total }) });
      dirty = true;
    },
    fileDone: (key, size, skipped) => {
      const file = files.get(key);
      files.delete(key);
      const how = skipped ? "already stored" : file ? rate(size, file.startedAt, now()) : "";
      printAbove(() =>
        stream.write(
          `  ${skipped ? "kept  " : "stored"}  ${shortName(key)}  ${formatBytes(size)}${how ? `  (${how})` : ""}\n`,
        ),
      );
      refresh();
    },
    printAbove,
    stop: () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      spinner.stop();
    },
  };
}
