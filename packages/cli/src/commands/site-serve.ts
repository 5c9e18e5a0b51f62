/**
 * `zrec site serve`: the store's site and the published recordings' files over HTTP on this machine,
 * with Range requests. Nothing else of the store's folder: it also holds the index and each recording's
 * metadata, passcodes included.
 */
import path from "node:path";
import type { AllowPath } from "@zrec/core/site";
import { Command } from "commander";
import { wholeNumber } from "../arg-parsers.js";
import { stopSignal } from "../interrupt.js";
import { withGlobals } from "../options.js";

interface ServeFlags {
  port: number;
  host: string;
  dir?: string;
}

export function siteServeCommand(): Command {
  return new Command("serve")
    .description("serve the website built in the folder store (or --dir) on this machine, until Ctrl+C")
    .option("--port <n>", "port to listen on (0: any free port)", wholeNumber(0, 65_535), 8090)
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--dir <dir>", "serve this folder (a site built with --out) instead of the store's")
    .action(
      withGlobals(async ({ options, out }, flags: ServeFlags) => {
        const [core, site, { resolveFor }] = await Promise.all([
          import("@zrec/core/archive"),
          import("@zrec/core/site"),
          import("../session.js"),
        ]);
        let dir: string;
        let home = "/site/index.html";
        let allow: AllowPath;
        if (flags.dir !== undefined) {
          dir = path.resolve(flags.dir);
          home = "/index.html";
          allow = site.builtSitePolicy();
        } else {
          const { config, baseDir } = await resolveFor(options);
          const root = core.localBackendPaths(config, baseDir).find((local) => local.key === "storage.root");
          if (root === undefined) {
            throw new core.InputError(
              "zrec site serve serves a folder store; this configuration's store is on S3.",
              {
                suggestion:
                  "Serve the bucket as a website (S3 or CloudFront), or build with --out DIR and pass --dir DIR.",
              },
            );
          }
          dir = root.path;
          allow = site.storeSitePolicy(dir);
        }
        const server = await site
          .serveStatic({ dir, host: flags.host, port: flags.port, home, allow })
          .catch((error: unknown) => {
            throw new core.InputError(
              `Cannot serve ${dir} on ${flags.host}:${flags.port}: ${core.messageOf(error)}.`,
              {
                cause: error,
              },
            );
          });
        const url = new URL(home.slice(1), server.url).href;
        // One line, as the server's first and only output: a caller reads it before the server is done.
        if (out.json) process.stdout.write(`${JSON.stringify({ url, dir })}\n`);
        else out.line(`Serving ${dir} at ${url} (Ctrl+C to stop)`);
        await stopSignal();
        await server.close();
      }),
    );
}
