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

/**
 * Client settings shared by S3, DynamoDB and SQS. Without a region, the SDK's own resolution applies
 * (AWS_REGION, the profile); a custom endpoint without one gets us-east-1, which local stand-ins accept.
 */
export function awsClientConfig(options: AwsBackendOptions): {
  region?: string;
  endpoint?: string;
  credentials: ReturnType<typeof fromNodeProviderChain>;
} {
  const region = options.region ?? (options.endpoint ? (process.env.AWS_REGION ?? "us-east-1") : undefined);
  return {
    ...(region ? { region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    credentials: options.profile ? fromIni({ profile: options.profile }) : fromNodeProviderChain(),
  };
}
