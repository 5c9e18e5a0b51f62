/**
 * Keeping a site current from a long-running process (`zrec serve`): after each ingest, an incremental
 * build of the site in the store, once that site exists (someone ran `zrec site build`; serve never
 * publishes an archive nobody asked to publish). Builds run one at a time; requests that arrive during
 * a build are folded into one more build after it. A failed build is logged, never the ingest's failure.
 */
import type { Config } from "../config/types.js";
import { messageOf } from "../errors.js";
import type { Logger } from "../log.js";
import type { ObjectStore, RecordingIndex } from "../ports.js";
import { buildSite } from "./build.js";
import { storeSiteOutput } from "./output.js";

export interface SiteUpdater {
  /** Asks for a build; returns at once. */
  request(reason: string): void;
  /** Resolves when no build is running or asked for. */
  idle(): Promise<void>;
}

export function createSiteUpdater(options: {
  config: Pick<Config, "site" | "timezone">;
  store: ObjectStore;
  index: RecordingIndex;
  log: Logger;
}): SiteUpdater {
  const { store, log } = options;
  let running: Promise<void> | undefined;
  let again = false;

  const once = async (reason: string) => {
    if (!(await store.head("site/build.json"))) return;
    try {
      const report = await buildSite({
        config: options.config,
        store,
        index: options.index,
        output: storeSiteOutput(store),
        mediaBase: "../",
      });
      log({
        msg: "site.updated",
        reason,
        built: report.built.length,
        withdrawn: report.withdrawn.length,
        written: report.written,
      });
      for (const { recording_id, reason: why } of report.skipped)
        log({ level: "warn", msg: "site.recording_skipped", recording_id, error: why });
    } catch (error) {
      log({ level: "error", msg: "site.update_failed", reason, error: messageOf(error) });
    }
  };

  const loop = async (reason: string) => {
    do {
      again = false;
      await once(reason);
    } while (again);
    running = undefined;
  };

  return {
    request(reason) {
      if (running) {
        again = true;
        return;
      }
      running = loop(reason);
    },
    async idle() {
      while (running) await running;
    },
  };
}
