/**
 * The bucket the S3 store writes into, as `zrec setup` makes it: created in the configured region, public
 * access blocked, default encryption SSE-S3, and lifecycle rules that abort multipart uploads left
 * unfinished for a day (a killed process's parts are otherwise kept, and billed, for good) and expire
 * their checkpoints (`{prefix}.zrec-uploads/`) a day later. What already exists is reported and left as
 * it is. Loaded only by `zrec setup` for `storage.type` s3.
 */
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  type LifecycleRule,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { BackendError, ErrorCode, messageOf } from "../errors.js";
import type { AwsBackendOptions } from "./aws-client-config.js";
import { clientConfig, S3_CHECKPOINT_PREFIX } from "./s3-store.js";

export interface BucketStep {
  /** What was looked at, e.g. `bucket recordings (eu-west-1)`. */
  resource: string;
  outcome: "created" | "updated" | "exists" | "skipped";
  /** Why it was skipped, or what an existing setting is. */
  detail?: string;
}

/** Configured the way the store's own client is (path style, checksums with a custom endpoint). */
export function createS3Client(options: AwsBackendOptions & { forcePathStyle?: boolean }): S3Client {
  return new S3Client(clientConfig(options));
}

const NOT_SUPPORTED = "not supported by this endpoint";
const ALL_BLOCKED = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
} as const;

/**
 * Creates `bucket` when it is missing, then blocks public access, turns on SSE-S3 default encryption and
 * adds the lifecycle rules where none of them is configured yet (`prefix`: the store's, which the
 * checkpoints' rule names). An endpoint that does not implement
 * those calls (s3rver, some S3-compatible stores) gets them `skipped`; a refusal (AccessDenied, …) is an
 * error.
 *
 * @returns one step per resource: the bucket, public access, encryption, lifecycle.
 * @throws BackendError (STORE_FAILED) naming the bucket and the call that failed.
 * @example
 * const client = createS3Client({ region: "eu-west-1" });
 * try { await ensureBucket(client, "recordings"); } finally { client.destroy(); }
 */
export async function ensureBucket(client: S3Client, bucket: string, prefix = ""): Promise<BucketStep[]> {
  const region = await client.config.region();
  const fail = (action: string, cause: unknown) => bucketFailure(bucket, action, cause);
  const steps: BucketStep[] = [];

  const bucketStep = { resource: `bucket ${bucket} (${region})` };
  let exists: boolean;
  try {
    exists = await bucketExists(client, bucket);
  } catch (error) {
    throw fail("HeadBucket", error);
  }
  if (exists) {
    steps.push({ ...bucketStep, outcome: "exists" });
  } else {
    try {
      // us-east-1 is the default location and S3 refuses it named as a constraint.
      const location = region === "us-east-1" ? undefined : (region as BucketLocationConstraint);
      await client.send(
        new CreateBucketCommand({
          Bucket: bucket,
          ...(location ? { CreateBucketConfiguration: { LocationConstraint: location } } : {}),
        }),
      );
      steps.push({ ...bucketStep, outcome: "created" });
    } catch (error) {
      // Another `zrec setup` got there between our two calls.
      if (errorName(error) !== "BucketAlreadyOwnedByYou") throw fail("CreateBucket", error);
      steps.push({ ...bucketStep, outcome: "exists" });
    }
  }

  steps.push(await publicAccessStep(client, bucket, fail));
  steps.push(await encryptionStep(client, bucket, fail));
  steps.push(await lifecycleStep(client, bucket, prefix, fail));
  return steps;
}

type Fail = (action: string, cause: unknown) => BackendError;

async function bucketExists(client: S3Client, bucket: string): Promise<boolean> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (error) {
    // A HEAD answer has no body: a missing bucket is only its status.
    if (httpStatus(error) === 404) return false;
    throw error;
  }
}

async function publicAccessStep(client: S3Client, bucket: string, fail: Fail): Promise<BucketStep> {
  const resource = `block public access on ${bucket}`;
  try {
    const current = await client.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
    const settings = current.PublicAccessBlockConfiguration ?? {};
    const off = Object.keys(ALL_BLOCKED).filter(
      (name) => settings[name as keyof typeof ALL_BLOCKED] !== true,
    );
    // Someone turned these off on purpose; setup does not overrule them, it says so.
    return off.length === 0
      ? { resource, outcome: "exists" }
      : { resource, outcome: "exists", detail: `left as configured: ${off.join(", ")} off` };
  } catch (error) {
    if (notImplemented(error)) return { resource, outcome: "skipped", detail: NOT_SUPPORTED };
    if (errorName(error) !== "NoSuchPublicAccessBlockConfiguration")
      throw fail("GetPublicAccessBlock", error);
  }
  try {
    await client.send(
      new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: ALL_BLOCKED }),
    );
    return { resource, outcome: "created" };
  } catch (error) {
    if (notImplemented(error)) return { resource, outcome: "skipped", detail: NOT_SUPPORTED };
    throw fail("PutPublicAccessBlock", error);
  }
}

async function encryptionStep(client: S3Client, bucket: string, fail: Fail): Promise<BucketStep> {
  const resource = `default encryption on ${bucket}`;
  try {
    const current = await client.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    const algorithm =
      current.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm;
    return { resource, outcome: "exists", detail: algorithm === "AES256" ? "SSE-S3" : String(algorithm) };
  } catch (error) {
    if (notImplemented(error)) return { resource, outcome: "skipped", detail: NOT_SUPPORTED };
    if (errorName(error) !== "ServerSideEncryptionConfigurationNotFoundError") {
      throw fail("GetBucketEncryption", error);
    }
  }
  try {
    await client.send(
      new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
        },
      }),
    );
    return { resource, outcome: "created", detail: "SSE-S3" };
  } catch (error) {
    if (notImplemented(error)) return { resource, outcome: "skipped", detail: NOT_SUPPORTED };
    throw fail("PutBucketEncryption", error);
  }
}

/**
 * zrec's own lifecycle rules, by ID: the parts a killed copy left are aborted after a day, and the
 * checkpoints that described them (useless once their upload is gone) expire a day later.
 */
function zrecRules(prefix: string): LifecycleRule[] {
  return [
    {
      ID: "zrec-abort-incomplete-multipart-uploads",
      Status: "Enabled",
      Filter: { Prefix: "" },
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
    },
    {
      ID: "zrec-expire-upload-checkpoints",
      Status: "Enabled",
      Filter: { Prefix: `${prefix}${S3_CHECKPOINT_PREFIX}` },
      Expiration: { Days: 2 },
    },
  ];
}

const ZREC_RULES_DETAIL = "incomplete multipart uploads aborted after 1 day, their checkpoints after 2";

/**
 * A lifecycle configuration is one document: putting a rule replaces every rule there. So zrec's rules
 * are put only into a bucket without rules, or whose rules are all zrec's (an older setup's, which
 * gains the rules it lacks); one with rules of its own is reported and left alone.
 */
async function lifecycleStep(
  client: S3Client,
  bucket: string,
  prefix: string,
  fail: Fail,
): Promise<BucketStep> {
  const resource = `lifecycle rule on ${bucket}`;
  const wanted = zrecRules(prefix);
  let current: LifecycleRule[] = [];
  try {
    current = (await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules ?? [];
  } catch (error) {
    if (notImplemented(error)) return { resource, outcome: "skipped", detail: NOT_SUPPORTED };
    if (errorName(error) !== "NoSuchLifecycleConfiguration")
      throw fail("GetBucketLifecycleConfiguration", error);
  }
  const missing = wanted.filter((rule) => !current.some((has) => has.ID === rule.ID));
  if (missing.length === 0) return { resource, outcome: "exists", detail: ZREC_RULES_DETAIL };
  if (current.some((rule) => !rule.ID?.startsWith("zrec-"))) return ownRules(resource, current);
  try {
    await client.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket,
        LifecycleConfiguration: { Rules: [...current, ...missing] },
      }),
    );
    return { resource, outcome: current.length === 0 ? "created" : "updated", detail: ZREC_RULES_DETAIL };
  } catch (error) {
    if (notImplemented(error)) return { resource, outcome: "skipped", detail: NOT_SUPPORTED };
    throw fail("PutBucketLifecycleConfiguration", error);
  }
}

/** A bucket with lifecycle rules of its own: what they do about a killed copy's leftovers. */
function ownRules(resource: string, rules: LifecycleRule[]): BucketStep {
  const abort = rules.find(
    (rule) => rule.Status === "Enabled" && rule.AbortIncompleteMultipartUpload?.DaysAfterInitiation,
  );
  return abort
    ? {
        resource,
        outcome: "exists",
        detail: `incomplete multipart uploads aborted after ${abort.AbortIncompleteMultipartUpload?.DaysAfterInitiation} day(s); left as configured: add a rule expiring ${S3_CHECKPOINT_PREFIX} so that abandoned checkpoints are not kept`,
      }
    : {
        resource,
        outcome: "exists",
        detail:
          "left as configured: no rule aborts incomplete multipart uploads; add one so that a killed copy's parts are not kept",
      };
}

/** S3 stand-ins answer 501 NotImplemented (some 400 with that code) for calls they lack. */
function notImplemented(error: unknown): boolean {
  return errorName(error) === "NotImplemented" || httpStatus(error) === 501;
}

function bucketFailure(bucket: string, action: string, cause: unknown): BackendError {
  const name = errorName(cause);
  const status = httpStatus(cause);
  const detail = messageOf(cause);
  const reason =
    name && detail && detail !== name && detail !== "UnknownError"
      ? `${name}: ${detail}`
      : `${name ?? "Error"}${status ? ` (HTTP ${status})` : ""}`;
  return new BackendError(ErrorCode.STORE_FAILED, `S3 bucket ${bucket}: ${action} failed: ${reason}`, {
    cause,
    ...suggestionFor(name, status, bucket),
  });
}

function suggestionFor(name: string | undefined, status: number | undefined, bucket: string) {
  if (name === "BucketAlreadyExists") {
    return { suggestion: "Bucket names are shared by every AWS account: choose another storage.bucket." };
  }
  if (status === 403 || name === "AccessDenied") {
    return {
      suggestion: `Check that the AWS credentials in use may manage bucket ${bucket} (a name another account owns answers 403 too).`,
    };
  }
  return {};
}

function errorName(error: unknown): string | undefined {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === "string" ? name : undefined;
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}
