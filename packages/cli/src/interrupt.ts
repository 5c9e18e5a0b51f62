/**
 * Signals, handled alike by every command that runs for long: the ones that copy (`ingest`,
 * `sweep-missed`) stop gently on the first Ctrl+C; the servers (`serve`, `site serve`) stop on the first
 * SIGTERM or Ctrl+C. Either way a second signal gets Node's default and ends the process at once.
 */
import { Interrupted } from "./errors.js";
import type { GlobalOptions } from "./options.js";
import { createProgress, type Progress, progressEnabled } from "./ui/progress.js";

export interface StoppableWork {
  /** What stops, for "Interrupted before … finished.": `the ingest`, `the sweep`. */
  what: string;
  /** How to finish it after a Ctrl+C: what was done is kept, and how to do the rest. */
  suggestion: string;
}

/**
 * Runs `work` with the progress display (shown only on a terminal) and a first Ctrl+C that aborts
 * `signal`: the copies in flight stop, and the run ends as {@link Interrupted} (exit 130). Work that
 * returns what it did so far when aborted must throw instead, once it sees `signal.aborted`.
 * @example
 * await withProgress(options, { what: "the ingest", suggestion: "Run it again." }, (progress, signal) =>
 *   core.runIngest(event, { ...deps, signal }),
 * );
 */
export async function withProgress<T>(
  options: Pick<GlobalOptions, "json" | "quiet" | "color">,
  work: StoppableWork,
  run: (progress: Progress, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const progress = await createProgress({ enabled: progressEnabled(options), color: options.color });
  const interrupt = new AbortController();
  const onSigint = () => {
    progress.printAbove(() => process.stderr.write("zrec: stopping (Ctrl+C again to quit at once)\n"));
    interrupt.abort();
  };
  // `once`: a second Ctrl+C gets Node's default, which ends the process at once.
  process.once("SIGINT", onSigint);
  try {
    return await run(progress, interrupt.signal);
  } catch (error) {
    if (!interrupt.signal.aborted) throw error;
    throw new Interrupted(work.what, { cause: error, suggestion: work.suggestion });
  } finally {
    process.off("SIGINT", onSigint);
    progress.stop();
  }
}

/**
 * Resolves with the first SIGTERM or SIGINT; after it the handlers are gone, so a second signal gets
 * Node's default: stop at once.
 * @example
 * const signal = await stopSignal();
 * await server.stop(graceMs);
 */
export function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (received: NodeJS.Signals) => {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      resolve(received);
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
}
