/** The Secrets Manager command zrec sends, imported by name: see ssm.ts for why. */
export { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
