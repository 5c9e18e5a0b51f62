/**
 * `--remote`: hand a job to the deployed Lambda functions instead of running it on this machine.
 * `zrec ingest --remote` invokes the stack's start-ingest function (which starts the state machine with
 * the webhook as input); `zrec reindex --remote` invokes its reindex function with the document.
 */
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import type { RemoteConfig } from "../config/types.js";
import { ConfigError, ErrorCode, messageOf, ZrecError } from "../errors.js";
import { awsClientConfig } from "./aws-client-config.js";

export type RemoteJob = "startIngestFunction" | "reindexFunction";

/**
 * Invokes the configured function synchronously and returns its JSON result.
 * @example
 * const started = await invokeRemote(config.remote, "startIngestFunction", webhookEvent);
 */
export async function invokeRemote(remote: RemoteConfig, job: RemoteJob, payload: unknown): Promise<unknown> {
  const functionName = remote[job];
  if (functionName === undefined) {
    throw new ConfigError(
      `remote.${job}`,
      `--remote needs remote.${job}: the name of the deployed function.`,
      {
        suggestion: `Set remote.${job} to the stack output ${job === "reindexFunction" ? "ReindexFunctionName" : "StartIngestFunctionName"}.`,
      },
    );
  }
  const { region, endpoint, profile } = remote;
  const client = new LambdaClient(
    awsClientConfig({
      ...(region !== undefined ? { region } : {}),
      ...(endpoint !== undefined ? { endpoint } : {}),
      ...(profile !== undefined ? { profile } : {}),
    }),
  );
  try {
    const answer = await client.send(
      new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(payload)) }),
    );
    const text = answer.Payload ? Buffer.from(answer.Payload).toString("utf8") : "null";
    const result = JSON.parse(text) as unknown;
    if (answer.FunctionError) {
      // Lambda's error shape: { errorType, errorMessage }; the handlers' messages start with zrec's code.
      const message = (result as { errorMessage?: unknown } | null)?.errorMessage;
      throw new ZrecError(
        ErrorCode.INGEST_FAILED,
        `Lambda function ${functionName} failed: ${String(message ?? text)}`,
      );
    }
    return result;
  } catch (error) {
    if (error instanceof ZrecError) throw error;
    throw new ZrecError(
      ErrorCode.INGEST_FAILED,
      `Invoking Lambda function ${functionName} failed: ${messageOf(error)}`,
      {
        cause: error,
      },
    );
  } finally {
    client.destroy();
  }
}
