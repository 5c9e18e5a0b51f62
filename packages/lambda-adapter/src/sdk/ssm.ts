/**
 * The SSM commands zrec sends, imported by name. A handler loads this with `await import()`, which
 * bundles every export of the module it names: importing `@aws-sdk/client-ssm` itself that way put all
 * of SSM's commands and their schemas (about 170 KiB) into every Lambda bundle.
 */
export { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
