/** `zrec serve`: receive Zoom's webhooks and archive each recording through a durable job queue. */
import { Command } from "commander";
import { UsageError } from "../errors.js";
import { globalOptions } from "../options.js";

interface ServeFlags {
  port: string;
  host: string;
  path: string;
  concurrency?: string;
  graceSeconds: string;
}

export function serveCommand(): Command {
  return new Command("serve")
    .description("receive Zoom's webhooks and archive each recording through a durable job queue")
    .option("--port <n>", "port to listen on (0: any free port, named in the first log line)", "8080")
    .option("--host <address>", "address to listen on (0.0.0.0 for every interface)", "127.0.0.1")
    .option("--path <path>", "the webhook path, as registered with Zoom", "/ingest/zoom_webhook")
    .option("--concurrency <n>", "ingests run at once (default: serve.concurrency, 2)")
    .option("--grace-seconds <n>", "on SIGTERM or Ctrl+C, how long running ingests may finish", "30")
    .addHelpText(
      "after",
      "\nLogs are JSON lines on stdout. GET /healthz answers 200 while the server and its database are up.\n" +
        "On SIGTERM it stops accepting, lets running ingests finish for the grace period, leaves the rest\n" +
        "queued for the next start, and exits 0. See `zrec jobs` for the queue.",
    )
    .action(async (flags: ServeFlags, command: Command) => {
      const options = globalOptions(command);
      const port = whole(flags.port, "--port", 0, 65_535);
      const concurrency =
        flags.concurrency === undefined ? undefined : whole(flags.concurrency, "--concurrency", 1, 64);
      const graceSeconds = Number(flags.graceSeconds);
      if (flags.graceSeconds.trim() === "" || !(graceSeconds >= 0) || !Number.isFinite(graceSeconds)) {
        throw new UsageError(
          `--grace-seconds must be a number of seconds, 0 or more, not ${JSON.stringify(flags.graceSeconds)}.`,
        );
      }
      if (!flags.path.startsWith("/") || flags.path === "/healthz" || /[?#\s]/.test(flags.path)) {
        throw new UsageError(
          `--path must be a URL path such as /ingest/zoom_webhook, not ${JSON.stringify(flags.path)}.`,
        );
      }

      const [core, { resolveFor }] = await Promise.all([import("@zrec/core"), import("../session.js")]);
      const { config, baseDir } = await resolveFor(options);
      const log = core.jsonLogger((line) => process.stdout.write(line), { quiet: options.quiet });
      const server = await core.startServing({
        config,
        baseDir,
        host: flags.host,
        port,
        path: flags.path,
        ...(concurrency === undefined ? {} : { concurrency }),
        log,
      });

      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        const stop = (received: NodeJS.Signals) => {
          // Without our handlers a second signal gets Node's default: stop at once.
          process.off("SIGTERM", stop);
          process.off("SIGINT", stop);
          resolve(received);
        };
        process.on("SIGTERM", stop);
        process.on("SIGINT", stop);
      });
      log({ msg: "server.signal", signal, hint: "send it again to stop at once" });
      await server.stop(graceSeconds * 1000);
    });
}

function whole(value: string, flag: string, min: number, max: number): number {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || number < min || number > max) {
    throw new UsageError(
      `${flag} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}.`,
    );
  }
  return number;
}
