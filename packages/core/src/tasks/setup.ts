/**
 * setup: creates what the configured backends need and is missing: the bucket (public access blocked,
 * SSE-S3), the DynamoDB table with its indexes, the SQS queue; for the embedded backends the data
 * folder, the SQLite database and the outbox's folder. Existing resources are reported and left alone,
 * so running it again changes nothing. provision.ts imports adapters only for the backends configured.
 */
import type { BackendName } from "../adapters/factory.js";
import { type ProvisionStep, setUpIndex, setUpNotifier, setUpStore } from "../adapters/provision.js";
import type { Config } from "../config/types.js";

export interface SetupStep extends ProvisionStep {
  backend: BackendName;
}

export interface SetupOptions {
  /** Called as each step finishes, so a person sees progress before a later step fails. */
  onStep?: (step: SetupStep) => void;
}

/**
 * Sets up storage, then index, then notify. Stops at the first failure, which names the backend.
 * @throws BackendError naming the folder, bucket, table or queue at fault.
 * @example
 * const steps = await setupBackends(config);
 * // [{ backend: "storage", resource: "bucket recordings (us-east-1)", outcome: "created" }, …]
 */
export async function setupBackends(
  config: Pick<Config, "storage" | "index" | "notify">,
  options: SetupOptions = {},
): Promise<SetupStep[]> {
  const steps: SetupStep[] = [];
  const record = (step: SetupStep) => {
    steps.push(step);
    options.onStep?.(step);
  };
  for (const step of await setUpStore(config.storage)) record({ backend: "storage", ...step });
  record({ backend: "index", ...(await setUpIndex(config.index)) });
  record({ backend: "notify", ...(await setUpNotifier(config.notify)) });
  return steps;
}
