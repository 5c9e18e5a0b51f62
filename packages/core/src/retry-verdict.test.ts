import { createServer, get, type Server } from "node:http";
import { connect } from "node:net";
import {
  DynamoDBServiceException,
  ProvisionedThroughputExceededException,
  ReplicatedWriteConflictException,
  ResourceNotFoundException,
  ThrottlingException,
} from "@aws-sdk/client-dynamodb";
import { AccessDenied, NoSuchBucket, S3ServiceException } from "@aws-sdk/client-s3";
import { KmsAccessDenied, QueueDoesNotExist, RequestThrottled } from "@aws-sdk/client-sqs";
import { errors as undici } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BackendError,
  ConfigError,
  CopyInProgress,
  DocumentError,
  DownloadRefused,
  ErrorCode,
  IngestFailed,
  IngestRace,
  InputError,
  NotFoundError,
  RecordingGone,
  RecordingProcessing,
  TransferError,
  WebhookRejected,
  ZoomApiError,
} from "./errors.js";
import { type RetryVerdict, retryVerdict } from "./retry-verdict.js";
import { BodyLengthError, IdleTimeoutError } from "./transfer/guarded-response.js";
import { RangeMismatchError, SizeMismatchError } from "./transfer/part-plan.js";
import { SourceHttpError } from "./transfer/source.js";

/** Real transport failures, met on 127.0.0.1: a closed port, and a server that hangs up at once. */
const real: { fetchFailed?: unknown; refused?: unknown; hangUp?: unknown } = {};
let hangingUp: Server;

beforeAll(async () => {
  const closedPort = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
  real.fetchFailed = await fetch(`http://127.0.0.1:${closedPort}/`).catch((error: unknown) => error);
  real.refused = await new Promise((resolve) => connect(closedPort, "127.0.0.1").on("error", resolve));
  hangingUp = createServer((req) => req.socket.destroy());
  await new Promise<void>((resolve) => hangingUp.listen(0, "127.0.0.1", resolve));
  const { port } = hangingUp.address() as { port: number };
  real.hangUp = await new Promise((resolve) => get(`http://127.0.0.1:${port}/`).on("error", resolve));
});
afterAll(() => new Promise<void>((resolve) => hangingUp.close(() => resolve())));

const aws = (fault: "client" | "server", httpStatusCode: number) => ({
  $fault: fault,
  $metadata: { httpStatusCode },
});
const s3 = (name: string, fault: "client" | "server", status: number) =>
  new S3ServiceException({ name, message: name, ...aws(fault, status) });
/** A modeled SDK exception as the SDK throws it: its class, Amazon's message, the answer's status. */
const modeled = <E>(Type: new (options: ModeledOptions) => E, httpStatusCode: number) =>
  new Type({ message: `${Type.name} from Amazon`, $metadata: { httpStatusCode } });
type ModeledOptions = { message: string; $metadata: { httpStatusCode: number } };
const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
const circular = () => {
  const error = new Error("points at itself");
  error.cause = error;
  return error;
};

/** Each row: what the error is, how to make it (lazily: the real network errors come from beforeAll). */
const rows: [string, () => unknown, RetryVerdict][] = [
  // The network.
  ["fetch failed (a real refused connection)", () => real.fetchFailed, "transient"],
  ["ECONNREFUSED (a real net.connect)", () => real.refused, "transient"],
  ["socket hang up (a real http.get)", () => real.hangUp, "transient"],
  ["ECONNRESET", () => withCode("read ECONNRESET", "ECONNRESET"), "transient"],
  ["ETIMEDOUT", () => withCode("connect ETIMEDOUT", "ETIMEDOUT"), "transient"],
  ["EAI_AGAIN (DNS)", () => withCode("getaddrinfo EAI_AGAIN zoom.us", "EAI_AGAIN"), "transient"],
  ["undici SocketError", () => new undici.SocketError("other side closed"), "transient"],
  ["undici ConnectTimeoutError", () => new undici.ConnectTimeoutError(), "transient"],
  ["undici HeadersTimeoutError", () => new undici.HeadersTimeoutError(), "transient"],
  ["undici BodyTimeoutError", () => new undici.BodyTimeoutError(), "transient"],
  [
    "undici InvalidArgumentError (zrec built a bad request)",
    () => new undici.InvalidArgumentError("x"),
    "permanent",
  ],
  [
    "fetch's TypeError 'terminated', caused by a SocketError",
    () => new TypeError("terminated", { cause: new undici.SocketError("other side closed") }),
    "transient",
  ],
  ["AbortSignal.timeout's TimeoutError", () => new DOMException("timed out", "TimeoutError"), "transient"],
  [
    "Node's AggregateError of two refused addresses",
    () =>
      Object.assign(new AggregateError([withCode("a", "ECONNREFUSED"), withCode("b", "ECONNREFUSED")]), {
        code: "ECONNREFUSED",
      }),
    "transient",
  ],
  // The ranged copy's own request failures.
  ["IdleTimeoutError (a stalled body)", () => new IdleTimeoutError("part 2", 30_000), "transient"],
  ["BodyLengthError (a short body)", () => new BodyLengthError("part 2: ended early"), "transient"],
  ["RangeMismatchError", () => new RangeMismatchError("part 3: bytes 0-9"), "transient"],
  ["SizeMismatchError", () => new SizeMismatchError(100, 99), "permanent"],
  // HTTP statuses, from Zoom's API and from a download server.
  ...([408, 425, 429, 500, 502, 503, 504] as const).map((status): [string, () => unknown, RetryVerdict] => [
    `ZoomApiError ${status}`,
    () => new ZoomApiError(`answered ${status}`, { status }),
    "transient",
  ]),
  ...([200, 400, 401, 403, 404, 409, 422] as const).map((status): [string, () => unknown, RetryVerdict] => [
    `ZoomApiError ${status}`,
    () => new ZoomApiError(`answered ${status}`, { status }),
    "permanent",
  ]),
  [
    "ZoomApiError without a status, Zoom unreachable",
    () => new ZoomApiError("could not reach Zoom", { cause: real.fetchFailed }),
    "transient",
  ],
  ["ZoomApiError without a status or a cause", () => new ZoomApiError("no JSON object"), "permanent"],
  ["SourceHttpError 503", () => new SourceHttpError(503, "GET cdn answered 503", 1000), "transient"],
  ["SourceHttpError 408", () => new SourceHttpError(408, "GET cdn answered 408"), "transient"],
  ["SourceHttpError 403", () => new SourceHttpError(403, "GET cdn answered 403"), "permanent"],
  // The AWS SDK.
  ["S3 SlowDown (503)", () => s3("SlowDown", "server", 503), "transient"],
  ["S3 RequestTimeout (a 400)", () => s3("RequestTimeout", "client", 400), "transient"],
  ["S3 ServiceUnavailable", () => s3("ServiceUnavailable", "server", 503), "transient"],
  ["S3 InternalError (500)", () => s3("InternalError", "server", 500), "transient"],
  ["an AWS error known only by a 502", () => s3("UnknownError", "server", 502), "transient"],
  ["an AWS error known only by a 429", () => s3("UnknownError", "client", 429), "transient"],
  [
    "DynamoDB ProvisionedThroughputExceededException (a 400)",
    () => modeled(ProvisionedThroughputExceededException, 400),
    "transient",
  ],
  ["DynamoDB ThrottlingException (a 400)", () => modeled(ThrottlingException, 400), "transient"],
  ["an SDK error marked $retryable", () => modeled(ReplicatedWriteConflictException, 400), "transient"],
  ["SQS RequestThrottled", () => modeled(RequestThrottled, 400), "transient"],
  ["S3 AccessDenied", () => modeled(AccessDenied, 403), "permanent"],
  ["S3 NoSuchBucket", () => modeled(NoSuchBucket, 404), "permanent"],
  ["DynamoDB ResourceNotFoundException", () => modeled(ResourceNotFoundException, 400), "permanent"],
  [
    "DynamoDB ValidationException",
    () =>
      new DynamoDBServiceException({
        name: "ValidationException",
        message: "bad key",
        ...aws("client", 400),
      }),
    "permanent",
  ],
  ["SQS QueueDoesNotExist", () => modeled(QueueDoesNotExist, 400), "permanent"],
  ["SQS KmsAccessDenied", () => modeled(KmsAccessDenied, 400), "permanent"],
  ["an AWS error known only by a 400", () => s3("InvalidArgument", "client", 400), "permanent"],
  [
    "no AWS credentials",
    () => Object.assign(new Error("Could not load credentials"), { name: "CredentialsProviderError" }),
    "permanent",
  ],
  // Disks.
  ["EACCES", () => withCode("EACCES: permission denied", "EACCES"), "permanent"],
  ["EROFS", () => withCode("EROFS: read-only file system", "EROFS"), "permanent"],
  // zrec's own errors.
  ["ConfigError", () => new ConfigError("index.type", "bad index"), "permanent"],
  ["InputError", () => new InputError("not an event"), "permanent"],
  ["DocumentError", () => new DocumentError("recording_id", "missing"), "permanent"],
  ["NotFoundError", () => new NotFoundError("no such recording"), "permanent"],
  ["WebhookRejected", () => new WebhookRejected(401, "bad signature"), "permanent"],
  ["DownloadRefused", () => new DownloadRefused("host not allowed"), "permanent"],
  ["RecordingGone", () => new RecordingGone("id"), "permanent"],
  ["RecordingProcessing", () => new RecordingProcessing("id", "MP4 is processing"), "transient"],
  [
    "CopyInProgress (another process copies the same file)",
    () => new CopyInProgress("id/a.mp4", { host: "h", pid: 42 }),
    "transient",
  ],
  ["IngestRace (other ingests kept writing the document)", () => new IngestRace("id", 5), "transient"],
  [
    "TransferError SIZE_MISMATCH",
    () =>
      new TransferError("sizes differ", {
        code: ErrorCode.SIZE_MISMATCH,
        cause: new SizeMismatchError(2, 1),
      }),
    "permanent",
  ],
  [
    "TransferError after a CDN's 503s",
    () => new TransferError("copy failed", { cause: new SourceHttpError(503, "answered 503") }),
    "transient",
  ],
  [
    "TransferError keeping DOWNLOAD_REFUSED",
    () =>
      new TransferError("copy failed", {
        code: ErrorCode.DOWNLOAD_REFUSED,
        cause: new DownloadRefused("no"),
      }),
    "permanent",
  ],
  ["TransferError of zrec's own (no download_url)", () => new TransferError("no download_url"), "permanent"],
  [
    "BackendError over S3 AccessDenied",
    () =>
      new BackendError(ErrorCode.STORE_FAILED, "put failed", {
        cause: modeled(AccessDenied, 403),
      }),
    "permanent",
  ],
  [
    "BackendError over DynamoDB throttling",
    () =>
      new BackendError(ErrorCode.INDEX_FAILED, "put failed", {
        cause: modeled(ThrottlingException, 400),
      }),
    "transient",
  ],
  [
    "IngestFailed whose files met a 503 and a stall",
    () =>
      new IngestFailed("id", [], {
        cause: new AggregateError([new SourceHttpError(503, "503"), new IdleTimeoutError("part 1", 10)]),
      }),
    "transient",
  ],
  [
    "IngestFailed whose files met a 503 and a refused host",
    () =>
      new IngestFailed("id", [], {
        cause: new AggregateError([new SourceHttpError(503, "503"), new DownloadRefused("no")]),
      }),
    "permanent",
  ],
  [
    "IngestFailed whose copy met another process copying the same file",
    () =>
      new IngestFailed("id", [], {
        cause: new AggregateError([
          new TransferError("copy failed", {
            code: ErrorCode.COPY_IN_PROGRESS,
            cause: new CopyInProgress("id/a.mp4", { host: "h", pid: 42 }),
          }),
        ]),
      }),
    "transient",
  ],
  [
    "IngestFailed of finish-ingest's own check",
    () => new IngestFailed("id", [{ key: "id/a.mp4", message: "the file was not stored" }]),
    "permanent",
  ],
  // Bugs, and what nobody recognises.
  ["TypeError", () => new TypeError("Cannot read properties of undefined"), "permanent"],
  ["RangeError", () => new RangeError("partSize must be a positive integer"), "permanent"],
  ["SyntaxError (a real JSON.parse)", () => syntaxError(), "permanent"],
  ["ReferenceError", () => new ReferenceError("x is not defined"), "permanent"],
  ["a thrown string", () => "a string", "permanent"],
  ["a cause that points back at its error", circular, "permanent"],
  ["an Error nobody names", () => new Error("the answer carried no ETag"), "transient"],
];

function syntaxError(): unknown {
  try {
    return JSON.parse("{");
  } catch (error) {
    return error;
  }
}

describe("retryVerdict", () => {
  it.each(rows.map(([name, make, verdict]) => [name, verdict, make] as const))(
    "%s is %s",
    (_name, verdict, make) => {
      expect(retryVerdict(make())).toBe(verdict);
    },
  );

  it("meets the real network errors it is tested with", () => {
    expect(real.fetchFailed).toBeInstanceOf(TypeError);
    expect((real.refused as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
    expect((real.hangUp as Error).message).toBe("socket hang up");
  });
});
