/**
 * What every AWS SDK client of zrec is built from: region, custom endpoint and credentials per backend.
 * Only the AWS adapters import this, and they are loaded lazily by the factory.
 */
import { fromIni, fromNodeProviderChain } from "@aws-sdk/credential-providers";

export interface AwsBackendOptions {
  region?: string;
  /** A custom endpoint (s3rver, dynalite, LocalStack, a VPC endpoint). */
  endpoint?: string;
  /** A profile from ~/.aws/config; otherwise the SDK's default chain (env, SSO, instance role, …). */
  profile?: string;
}

export interface AwsTimeouts {
  /** Milliseconds to connect. */
  connectionTimeout: number;
  /** Milliseconds a socket may stay silent, waiting for an answer or in the middle of one. */
  socketTimeout: number;
}

/**
 * The SDK's defaults are no timeouts at all: a request to an endpoint that accepts the connection and
 * never answers waited for ever, holding its `zrec serve` job (heartbeating, so never recovered) or its
 * Lambda until the function's own timeout, which no Retry of the state machine matches. Dropped sockets
 * fail as TimeoutError, which the SDK and retry-verdict.ts retry as transient. Two minutes of silence is
 * far beyond any S3, DynamoDB or SQS answer, and no part upload or read is silent that long.
 */
export const AWS_TIMEOUTS: AwsTimeouts = { connectionTimeout: 10_000, socketTimeout: 120_000 };

/**
 * Client settings shared by S3, DynamoDB and SQS. Without a region, the SDK's own resolution applies
 * (AWS_REGION, the profile); a custom endpoint without one gets us-east-1, which local stand-ins accept.
 */
export function awsClientConfig(
  options: AwsBackendOptions,
  timeouts: AwsTimeouts = AWS_TIMEOUTS,
): {
  region?: string;
  endpoint?: string;
  credentials: ReturnType<typeof fromNodeProviderChain>;
  requestHandler: AwsTimeouts;
} {
  const region = options.region ?? (options.endpoint ? (process.env.AWS_REGION ?? "us-east-1") : undefined);
  return {
    ...(region ? { region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    credentials: options.profile ? fromIni({ profile: options.profile }) : fromNodeProviderChain(),
    requestHandler: { ...timeouts },
  };
}
