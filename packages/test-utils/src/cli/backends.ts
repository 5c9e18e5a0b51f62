/**
 * The two backends every end-to-end suite runs on: the embedded default (folder + SQLite) and AWS
 * (S3 + DynamoDB, through the real SDK against s3rver and dynalite on 127.0.0.1). The notifier stays the
 * outbox in both: there is no local SQS to run, and the SQS adapter is tested at the HTTP level.
 */
import { randomUUID } from "node:crypto";
import type { Backends } from "@zrec/core";
import { forTheseTests } from "../lifecycle.js";
import type { StartS3rverOptions } from "../s3rver.js";

export type BackendKind = "embedded" | "aws";
export const backendKinds: BackendKind[] = ["embedded", "aws"];

export interface TestBackends {
  kind: BackendKind;
  /** Config blocks (storage, index) to merge into a workspace's zrec.config.json. */
  config: Record<string, unknown>;
  /** Environment the CLI needs to reach them (AWS credentials for the local stand-ins). */
  env: Record<string, string>;
  /** Opens the same backends in this process, to look at what the CLI left; close with closeBackends. */
  open(workspaceDir: string): Promise<Backends>;
  /** Multipart uploads left behind (S3 only; always empty on a folder, whose temp files are checked apart). */
  pendingUploads(): Promise<{ key: string }[]>;
  close(): Promise<void>;
}

// Core, the AWS SDK, s3rver and dynalite load when first used: half the suites that import these helpers
// never open a backend here, and loading them cost each such test file about a second of CPU.

/** Opens the backends `config` names, as the CLI would in `dir`. */
async function openBackends(config: Record<string, unknown> | undefined, dir: string): Promise<Backends> {
  const { createBackends, loadConfig } = await import("@zrec/core/archive");
  return createBackends(loadConfig(config, { baseDir: dir, env: {} }), { baseDir: dir });
}

/** Closes what {@link TestBackends.open} (or core's createBackends) opened. */
export async function closeBackends(backends: Backends): Promise<void> {
  const core = await import("@zrec/core/archive");
  await core.closeBackends(backends);
}

/** `s3rver`: options of the S3 stand-in (its buckets are this function's), e.g. a completion hook. */
export async function startBackends(
  kind: BackendKind,
  s3rver: Omit<StartS3rverOptions, "buckets"> = {},
): Promise<TestBackends> {
  if (kind === "embedded") {
    return {
      kind,
      config: {},
      env: {},
      open: (dir) => openBackends(undefined, dir),
      pendingUploads: async () => [],
      close: async () => {},
    };
  }
  const bucket = `zrec-${randomUUID().slice(0, 8)}`;
  const table = `zrec-${randomUUID().slice(0, 8)}`;
  const [{ startS3rver }, { startDynalite }, { ensureTable }] = await Promise.all([
    import("../s3rver.js"),
    import("../dynalite.js"),
    import("@zrec/core/adapters/dynamodb-table"),
  ]);
  const s3 = await startS3rver({ ...s3rver, buckets: [bucket] });
  const dynamo = await startDynalite();
  const client = dynamo.client();
  await ensureTable(client, table);
  const config = {
    storage: s3.storageConfig(bucket, "archive"),
    index: { type: "dynamodb", table, region: s3.region, endpoint: dynamo.endpoint },
  };
  return {
    kind,
    config,
    env: s3.env,
    open: async (dir) => {
      // The SDK reads credentials lazily, at the first request: they must stay in this (test) process.
      Object.assign(process.env, s3.env);
      return openBackends(config, dir);
    },
    pendingUploads: () => s3.pendingUploads(bucket),
    close: async () => {
      await s3.close();
      await dynamo.close();
    },
  };
}

/**
 * Starts `kind`'s backends in the file's (or the enclosing describe's) `beforeAll` and closes them in
 * `afterAll`. Returns the running backends, for tests and hooks.
 * @example
 * const aws = useBackends("aws");
 * it("lists", async () => { const ws = await makeWorkspace(sim(), {}, aws()); });
 */
export function useBackends(kind: BackendKind): () => TestBackends {
  return forTheseTests(`the ${kind} backends`, () => startBackends(kind));
}
