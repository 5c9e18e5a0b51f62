/**
 * AWS JSON-protocol services (Step Functions, SSM, Secrets Manager) answered at the HTTP level with
 * nock, so the real SDK clients run: signing, serialisation, retries, error parsing. Their endpoints
 * come from AWS_ENDPOINT_URL_<SERVICE>, exactly as on Lambda with a VPC endpoint or LocalStack.
 */
import nock from "nock";

export interface AwsRequest {
  /** `X-Amz-Target`, e.g. `AWSStepFunctions.StartExecution`. */
  target: string;
  body: Record<string, unknown>;
}

/**
 * Answers the next `times` (default 1) POSTs to `origin` with `answer(request)`, after `delayMs` when
 * given, and records each request.
 */
export function fakeAws(
  origin: string,
  answer: (request: AwsRequest) => [status: number, body: object],
  options: { times?: number; delayMs?: number } = {},
): AwsRequest[] {
  const requests: AwsRequest[] = [];
  const scope = nock(origin)
    .post("/")
    .times(options.times ?? 1);
  (options.delayMs === undefined ? scope : scope.delay(options.delayMs)).reply(function (_uri, body) {
    const request: AwsRequest = {
      target: String(this.req.headers["x-amz-target"] ?? ""),
      body: (typeof body === "string" ? JSON.parse(body) : body) as Record<string, unknown>,
    };
    requests.push(request);
    const [status, json] = answer(request);
    return [status, json, { "content-type": "application/x-amz-json-1.0" }];
  });
  return requests;
}

/** What Step Functions answers a StartExecution whose name was used before. */
export function executionAlreadyExists(name: string): [number, object] {
  return [
    400,
    {
      __type: "com.amazonaws.swf.service.v2.model#ExecutionAlreadyExists",
      message: `Execution Already Exists: 'arn:aws:states:us-east-1:123456789012:execution:zrec-ingest:${name}'`,
    },
  ];
}

export function serviceUnavailable(): [number, object] {
  return [503, { __type: "ServiceUnavailable", message: "Service Unavailable" }];
}

/** Credentials and region for the SDK's default chain; nock never checks signatures. */
export const FAKE_AWS_ENV = {
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
  AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
} as const;
