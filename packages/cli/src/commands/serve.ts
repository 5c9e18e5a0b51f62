/** `zrec serve`: receive Zoom's webhooks and archive each recording through a durable job queue. */
import { Command } from "commander";
import { seconds, webhookPath, wholeNumber } from "../arg-parsers.js";
import { stopSignal } from "../interrupt.js";
import { withGlobals } from "../options.js";

interface ServeFlags {
  port: number;
  host: string;
  path: string;
  concurrency?: number;
  graceSeconds: number;
}

export function serveCommand(): Command {
  return new Command("serve")
    .option(
      "--port <n>",
      "port to listen on (0: any free port, named in the first log line)",
      wholeNumber(0, 65_535),
      8080,
    )
    .option("--host <address>", "address to listen on (0.0.0.0 for every interface)", "127.0.0.1")
    .option("--path <path>", "the webhook path, as registered with Zoom", webhookPath, "/ingest/zoom_webhook")
    .option("--concurrency <n>", "ingests run at once (default: serve.concurrency, 2)", wholeNumber(1, 64))
    .option("--grace-seconds <n>", "on SIGTERM or Ctrl+C, how long running ingests may finish", seconds, 30)
    .addHelpText(
      "after",
      "\nLogs are JSON lines on stdout. GET /healthz answers 200 while the server and its database are up.\n" +
        "On SIGTERM it stops accepting, lets running ingests finish for the grace period, leaves the rest\n" +
        "queued for the next start, and exits 0. See `zrec jobs` for the queue.",
    )
    .action(
      withGlobals(async ({ options }, flags: ServeFlags) => {
        const [core, { resolveFor }] = await Promise.all([import("@zrec/core"), import("../session.js")]);
        const { config, baseDir } = await resolveFor(options);
        const log = core.jsonLogger((line) => process.stdout.write(line), { quiet: options.quiet });
        // Listen for the signal before starting: a queued job can start (and be seen started) before the
        // HTTP server has bound its port, and a SIGTERM then must still get the grace period, not death.
        const signalled = stopSignal();
        const server = await core.startServing({
          config,
          baseDir,
          host: flags.host,
          port: flags.port,
          path: flags.path,
          ...(flags.concurrency === undefined ? {} : { concurrency: flags.concurrency }),
          log,
        });

        const signal = await signalled;
        log({ msg: "server.signal", signal, hint: "send it again to stop at once" });
        await server.stop(flags.graceSeconds * 1000);
      }),
    );
}
