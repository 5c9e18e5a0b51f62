/**
 * `--remote` for ingest and reindex: the job goes to the deployed Lambda functions (see docs/aws.md)
 * instead of running on this machine. Loaded only when the flag is given.
 */
import { invokeRemote, type RemoteJob } from "@zrec/core";
import type { GlobalOptions } from "./options.js";
import { resolveFor } from "./session.js";
import { createOutput, printJson } from "./ui/output.js";

/** Invokes the function configured under `remote.{job}` and prints what it answered. */
export async function runRemote(options: GlobalOptions, job: RemoteJob, payload: unknown): Promise<void> {
  const { config } = await resolveFor(options);
  // --profile names the AWS profile for everything a command touches, the remote functions included.
  const remote =
    options.profile === undefined ? config.remote : { ...config.remote, profile: options.profile };
  const result = await invokeRemote(remote, job, payload);
  const out = createOutput(options);
  if (out.json) return printJson(result);
  const name = job === "reindexFunction" ? "reindex" : "start-ingest";
  out.line(`Sent to the ${name} function (${config.remote[job]}); it answered:`);
  out.line(JSON.stringify(result, null, 2));
}
