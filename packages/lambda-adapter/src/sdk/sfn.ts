/** The Step Functions command zrec sends, imported by name: see ssm.ts for why. */
export { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
