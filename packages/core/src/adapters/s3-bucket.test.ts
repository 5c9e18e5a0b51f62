/**
 * ensureBucket against S3 as AWS answers it (nock, at the HTTP level): the calls s3rver does not
 * implement are exercised here; the s3rver path is covered by tasks/setup.test.ts.
 */
import { S3Client } from "@aws-sdk/client-s3";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BackendError } from "../errors.js";
import { ensureBucket } from "./s3-bucket.js";

const ENDPOINT = "http://127.0.0.1:9000";
const BUCKET = "recordings";
const XML = { "content-type": "application/xml" };

const s3Error = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;

let clients: S3Client[] = [];
function client(region: string): S3Client {
  const made = new S3Client({
    region,
    endpoint: ENDPOINT,
    forcePathStyle: true,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
    requestChecksumCalculation: "WHEN_REQUIRED",
  });
  clients.push(made);
  return made;
}

/** A call on the bucket itself (path style, `/recordings/`), or on one of its sub-resources. */
const atBucket = (uri: string, resource?: string) => {
  const url = new URL(uri, ENDPOINT);
  const onBucket = url.pathname.replace(/\/$/, "") === `/${BUCKET}`;
  return onBucket && (resource === undefined ? url.search === "" : url.searchParams.has(resource));
};
const on = (method: "get" | "put", resource: string) =>
  nock(ENDPOINT)[method]((uri) => atBucket(uri, resource));

/** An existing bucket on an endpoint without public-access or encryption calls, holding `rules`. */
const existingBucketWithRules = (rules: string) => {
  nock(ENDPOINT)
    .head((uri) => atBucket(uri))
    .reply(200);
  on("get", "publicAccessBlock").reply(501, s3Error("NotImplemented", "not implemented"), XML);
  on("get", "encryption").reply(501, s3Error("NotImplemented", "not implemented"), XML);
  on("get", "lifecycle").reply(200, rules, XML);
};

beforeAll(() => {
  nock.disableNetConnect();
});
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});
afterEach(() => {
  for (const made of clients) made.destroy();
  clients = [];
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

describe("ensureBucket", () => {
  it("creates a missing bucket in its region, then blocks public access and turns on SSE-S3", async () => {
    let created = "";
    nock(ENDPOINT)
      .head((uri) => atBucket(uri))
      .reply(404);
    nock(ENDPOINT)
      .put(
        (uri) => atBucket(uri),
        (body) => {
          created = String(body);
          return true;
        },
      )
      .reply(200);
    on("get", "publicAccessBlock").reply(
      404,
      s3Error("NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found"),
      XML,
    );
    let blocked = "";
    on("put", "publicAccessBlock").reply(200, (_uri, body) => {
      blocked = String(body);
      return "";
    });
    on("get", "encryption").reply(
      404,
      s3Error(
        "ServerSideEncryptionConfigurationNotFoundError",
        "The server side encryption configuration was not found",
      ),
      XML,
    );
    let encryption = "";
    on("put", "encryption").reply(200, (_uri, body) => {
      encryption = String(body);
      return "";
    });
    on("get", "lifecycle").reply(
      404,
      s3Error("NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist"),
      XML,
    );
    let lifecycle = "";
    on("put", "lifecycle").reply(200, (_uri, body) => {
      lifecycle = String(body);
      return "";
    });

    expect(await ensureBucket(client("eu-west-1"), BUCKET, "zoom/")).toEqual([
      { resource: `bucket ${BUCKET} (eu-west-1)`, outcome: "created" },
      { resource: `block public access on ${BUCKET}`, outcome: "created" },
      { resource: `default encryption on ${BUCKET}`, outcome: "created", detail: "SSE-S3" },
      {
        resource: `lifecycle rule on ${BUCKET}`,
        outcome: "created",
        detail: "incomplete multipart uploads aborted after 1 day, their checkpoints after 2",
      },
    ]);
    expect(lifecycle).toContain("<Status>Enabled</Status>");
    expect(lifecycle).toContain(
      "<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>",
    );
    // The checkpoints of copies nobody came back to, under the store's prefix.
    expect(lifecycle).toContain("<Filter><Prefix>zoom/.zrec-uploads/</Prefix></Filter>");
    expect(lifecycle).toContain("<Expiration><Days>2</Days></Expiration>");
    expect(created).toContain("<LocationConstraint>eu-west-1</LocationConstraint>");
    for (const setting of [
      "BlockPublicAcls",
      "IgnorePublicAcls",
      "BlockPublicPolicy",
      "RestrictPublicBuckets",
    ]) {
      expect(blocked).toContain(`<${setting}>true</${setting}>`);
    }
    expect(encryption).toContain("<SSEAlgorithm>AES256</SSEAlgorithm>");
  });

  it("names no location in us-east-1, where S3 refuses one", async () => {
    let created: unknown;
    nock(ENDPOINT)
      .head((uri) => atBucket(uri))
      .reply(404);
    nock(ENDPOINT)
      .put(
        (uri) => atBucket(uri),
        (body) => {
          created = body;
          return true;
        },
      )
      .reply(200);
    on("get", "publicAccessBlock").reply(501, s3Error("NotImplemented", "not implemented"), XML);
    on("get", "encryption").reply(501, s3Error("NotImplemented", "not implemented"), XML);
    on("get", "lifecycle").reply(501, s3Error("NotImplemented", "not implemented"), XML);
    const steps = await ensureBucket(client("us-east-1"), BUCKET);
    expect(String(created ?? "")).not.toContain("LocationConstraint");
    expect(steps.map((s) => [s.outcome, s.detail])).toEqual([
      ["created", undefined],
      ["skipped", "not supported by this endpoint"],
      ["skipped", "not supported by this endpoint"],
      ["skipped", "not supported by this endpoint"],
    ]);
  });

  it("leaves an existing bucket's settings as they are, and says what they are", async () => {
    nock(ENDPOINT)
      .head((uri) => atBucket(uri))
      .reply(200);
    on("get", "publicAccessBlock").reply(
      200,
      "<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls>" +
        "<BlockPublicPolicy>false</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>",
      XML,
    );
    on("get", "encryption").reply(
      200,
      "<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm>" +
        "</ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>",
      XML,
    );
    // The bucket's own rules are never replaced (a put would replace them all), only reported.
    on("get", "lifecycle").reply(
      200,
      "<LifecycleConfiguration><Rule><ID>archive</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status>" +
        "<Transition><Days>90</Days><StorageClass>GLACIER</StorageClass></Transition></Rule></LifecycleConfiguration>",
      XML,
    );
    expect(await ensureBucket(client("eu-west-1"), BUCKET)).toEqual([
      { resource: `bucket ${BUCKET} (eu-west-1)`, outcome: "exists" },
      {
        resource: `block public access on ${BUCKET}`,
        outcome: "exists",
        detail: "left as configured: BlockPublicPolicy off",
      },
      { resource: `default encryption on ${BUCKET}`, outcome: "exists", detail: "aws:kms" },
      {
        resource: `lifecycle rule on ${BUCKET}`,
        outcome: "exists",
        detail:
          "left as configured: no rule aborts incomplete multipart uploads; add one so that a killed copy's parts are not kept",
      },
    ]);
  });

  it("finds a lifecycle rule that already aborts incomplete uploads", async () => {
    existingBucketWithRules(
      "<LifecycleConfiguration><Rule><ID>tidy</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status>" +
        "<AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload>" +
        "</Rule></LifecycleConfiguration>",
    );
    const steps = await ensureBucket(client("eu-west-1"), BUCKET);
    expect(steps[3]).toEqual({
      resource: `lifecycle rule on ${BUCKET}`,
      outcome: "exists",
      detail:
        "incomplete multipart uploads aborted after 7 day(s); left as configured: add a rule expiring .zrec-uploads/ so that abandoned checkpoints are not kept",
    });
  });

  it("gives an older setup's rules the checkpoint rule they lack, keeping the abort rule", async () => {
    existingBucketWithRules(
      "<LifecycleConfiguration><Rule><ID>zrec-abort-incomplete-multipart-uploads</ID><Filter><Prefix></Prefix></Filter>" +
        "<Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation>" +
        "</AbortIncompleteMultipartUpload></Rule></LifecycleConfiguration>",
    );
    let lifecycle = "";
    on("put", "lifecycle").reply(200, (_uri, body) => {
      lifecycle = String(body);
      return "";
    });
    const steps = await ensureBucket(client("eu-west-1"), BUCKET);
    expect(steps[3]).toMatchObject({ outcome: "updated" });
    expect(lifecycle.match(/<Rule>/g)).toHaveLength(2);
    expect(lifecycle).toContain("<ID>zrec-abort-incomplete-multipart-uploads</ID>");
    expect(lifecycle).toContain("<ID>zrec-expire-upload-checkpoints</ID>");
    expect(lifecycle).toContain("<Filter><Prefix>.zrec-uploads/</Prefix></Filter>");
  });

  it("fails naming the bucket and the call when S3 refuses, with what to check", async () => {
    nock(ENDPOINT)
      .head((uri) => atBucket(uri))
      .reply(200);
    on("get", "publicAccessBlock").reply(403, s3Error("AccessDenied", "Access Denied"), XML);
    const error = await ensureBucket(client("eu-west-1"), BUCKET).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({
      code: "STORE_FAILED",
      message: `S3 bucket ${BUCKET}: GetPublicAccessBlock failed: AccessDenied: Access Denied`,
      suggestion: expect.stringContaining(`may manage bucket ${BUCKET}`),
    });
  });

  it("tells a bucket name another account owns from a missing one", async () => {
    nock(ENDPOINT)
      .head((uri) => atBucket(uri))
      .reply(404);
    nock(ENDPOINT)
      .put((uri) => atBucket(uri))
      .reply(409, s3Error("BucketAlreadyExists", "The requested bucket name is not available."), XML);
    await expect(ensureBucket(client("eu-west-1"), BUCKET)).rejects.toMatchObject({
      message: `S3 bucket ${BUCKET}: CreateBucket failed: BucketAlreadyExists: The requested bucket name is not available.`,
      suggestion: expect.stringContaining("choose another storage.bucket"),
    });
  });
});
