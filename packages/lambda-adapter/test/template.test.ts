/**
 * template.yaml, parsed with CloudFormation's short-form tags (!Ref, !GetAtt, !Sub …): the resources the
 * issue names, the legacy table layout, and least privilege: each function's policy names exactly the
 * actions its handler's code path calls, on the resources it touches, never a wildcard.
 */
import { readFile } from "node:fs/promises";
import { RECORDING_INDEXES, RECORDING_KEY } from "@zrec/core/adapters/dynamodb-table";
import { beforeAll, describe, expect, it } from "vitest";
import { type CollectionTag, parse, type ScalarTag, type Tags } from "yaml";
import { TOKEN_PREFIX } from "../src/download-token.js";
import { HANDLER_NAMES } from "../src/index.js";
import {
  TASK_FUNCTIONS,
  TASK_HANDLERS,
  TASK_TIMEOUT_SECONDS,
  type TaskStateName,
} from "../src/state-machine.js";

/** Each short form becomes the long form CloudFormation reads (`!GetAtt a.b` -> `{"Fn::GetAtt": ["a","b"]}`). */
const INTRINSICS: Record<string, string> = {
  Ref: "Ref",
  Condition: "Condition",
  ...Object.fromEntries(
    [
      "GetAtt",
      "Sub",
      "If",
      "Equals",
      "Not",
      "And",
      "Or",
      "Join",
      "Select",
      "Split",
      "FindInMap",
      "Base64",
      "Cidr",
      "GetAZs",
      "ImportValue",
    ].map((name) => [name, `Fn::${name}`]),
  ),
};
const cloudFormationTags: Tags = Object.entries(INTRINSICS).flatMap(
  ([short, long]): (ScalarTag | CollectionTag)[] => [
    {
      tag: `!${short}`,
      resolve: (value: string) => ({ [long]: short === "GetAtt" ? value.split(".") : value }),
    },
    { tag: `!${short}`, collection: "seq", resolve: (node) => ({ [long]: node.toJSON() }) },
    { tag: `!${short}`, collection: "map", resolve: (node) => ({ [long]: node.toJSON() }) },
  ],
);

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, whose shape is what the assertions check
type Json = Record<string, any>;
const REF = (name: string) => ({ Ref: name });
const ATT = (name: string, attribute = "Arn") => ({ "Fn::GetAtt": [name, attribute] });
const BUCKET_OBJECTS = { "Fn::Sub": `\${RecordingsBucket.Arn}/*` };
/** Where the webhook keeps download tokens (download-token.ts): no function may touch more for them. */
const TOKEN_OBJECTS = { "Fn::Sub": `\${RecordingsBucket.Arn}/.zrec-tokens/*` };
const parameter = (name: string) => ({
  "Fn::Sub": `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter\${ZoomParameterPrefix}/${name}`,
});
const ZOOM_ACCOUNT = ["account-id", "client-id", "client-secret", "accounts/*"].map(parameter);

/**
 * What each function's code path calls (see core's adapters): HeadObject needs s3:GetObject,
 * multipart uploads s3:PutObject (and s3:AbortMultipartUpload, s3:ListBucketMultipartUploads to abort
 * what a timed-out copy left), and without s3:ListBucket a missing
 * key answers 403 instead of 404. Each entry: action -> the resources it may touch.
 */
const USES: Record<string, Record<string, unknown[]>> = {
  WebhookFunction: {
    "states:StartExecution": [REF("IngestStateMachine")],
    "s3:PutObject": [TOKEN_OBJECTS],
    "ssm:GetParameters": [parameter("webhook-secret-token"), ...ZOOM_ACCOUNT],
  },
  IngestMetadataFunction: {
    "s3:GetObject": [BUCKET_OBJECTS],
    "s3:PutObject": [BUCKET_OBJECTS],
    "s3:ListBucket": [ATT("RecordingsBucket")],
    "dynamodb:GetItem": [ATT("RecordingsTable")],
    "ssm:GetParameters": ZOOM_ACCOUNT,
  },
  RetrieveRecordingFunction: {
    "s3:GetObject": [BUCKET_OBJECTS],
    "s3:PutObject": [BUCKET_OBJECTS],
    "s3:AbortMultipartUpload": [BUCKET_OBJECTS],
    "s3:ListBucket": [ATT("RecordingsBucket")],
    "s3:ListBucketMultipartUploads": [ATT("RecordingsBucket")],
    "ssm:GetParameters": ZOOM_ACCOUNT,
  },
  FinishIngestFunction: {
    "s3:GetObject": [BUCKET_OBJECTS],
    "s3:PutObject": [BUCKET_OBJECTS],
    "s3:DeleteObject": [TOKEN_OBJECTS],
    "s3:ListBucket": [ATT("RecordingsBucket")],
    "dynamodb:GetItem": [ATT("RecordingsTable")],
    "dynamodb:PutItem": [ATT("RecordingsTable")],
    "sqs:SendMessage": [ATT("WebsiteQueue")],
    "ssm:GetParameters": ZOOM_ACCOUNT,
  },
  StartIngestFunction: {
    "states:StartExecution": [REF("IngestStateMachine")],
    "s3:PutObject": [TOKEN_OBJECTS],
  },
  ReindexFunction: {
    "s3:GetObject": [BUCKET_OBJECTS],
    "s3:PutObject": [BUCKET_OBJECTS],
    "s3:ListBucket": [ATT("RecordingsBucket")],
    "dynamodb:GetItem": [ATT("RecordingsTable")],
    "dynamodb:PutItem": [ATT("RecordingsTable")],
    "sqs:SendMessage": [ATT("WebsiteQueue")],
  },
  SweepMissedFunction: {
    "dynamodb:GetItem": [ATT("RecordingsTable")],
    "states:StartExecution": [REF("IngestStateMachine")],
    "ssm:GetParameters": ZOOM_ACCOUNT,
  },
  PurgeOldFunction: {
    "dynamodb:Scan": [ATT("RecordingsTable")],
    "dynamodb:DeleteItem": [ATT("RecordingsTable")],
    "s3:ListBucket": [ATT("RecordingsBucket")],
    "s3:GetObject": [BUCKET_OBJECTS],
    "s3:DeleteObject": [BUCKET_OBJECTS],
    "sqs:SendMessage": [ATT("WebsiteQueue")],
  },
  RebuildDbFunction: {
    "s3:ListBucket": [ATT("RecordingsBucket")],
    "s3:GetObject": [BUCKET_OBJECTS],
    "dynamodb:BatchWriteItem": [ATT("RecordingsTable")],
  },
  SiteBuilderFunction: {
    "dynamodb:Scan": [ATT("RecordingsTable")],
    "s3:ListBucket": [ATT("RecordingsBucket")],
    "s3:GetObject": [BUCKET_OBJECTS],
    "s3:PutObject": [BUCKET_OBJECTS],
    "s3:DeleteObject": [BUCKET_OBJECTS],
  },
};

/** action -> resources, from a SAM `Policies` list of inline statements. */
function grants(policies: Json[]): Record<string, unknown[]> {
  const found: Record<string, unknown[]> = {};
  for (const policy of policies) {
    expect(Object.keys(policy), "only inline statements, no broad SAM policy templates").toEqual([
      "Statement",
    ]);
    for (const statement of policy.Statement as Json[]) {
      expect(statement.Effect).toBe("Allow");
      const actions = [statement.Action].flat() as string[];
      const resources = [statement.Resource].flat();
      for (const action of actions) found[action] = [...(found[action] ?? []), ...resources];
    }
  }
  return found;
}

describe("template.yaml", () => {
  let template: Json;
  let resources: Record<string, Json>;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

  beforeAll(async () => {
    const text = await readFile(new URL("../template.yaml", import.meta.url), "utf8");
    template = parse(text, { customTags: cloudFormationTags }) as Json;
    resources = template.Resources;
  });

  it("is a SAM template with one function per handler", () => {
    expect(template.Transform).toBe("AWS::Serverless-2016-10-31");
    expect(template.Globals.Function).toMatchObject({ Runtime: "nodejs20.x", CodeUri: "dist/handlers" });
    const handlers = ofType("AWS::Serverless::Function").map(([, f]) => f.Properties.Handler);
    expect(handlers.sort()).toEqual(HANDLER_NAMES.map((name) => `${name}.handler`).sort());
  });

  it("routes POST /ingest/zoom_webhook (payload 2.0) to the webhook function", () => {
    const [[apiName] = []] = ofType("AWS::Serverless::HttpApi");
    expect(resources.WebhookFunction?.Properties.Events.ZoomWebhook).toEqual({
      Type: "HttpApi",
      Properties: {
        ApiId: REF(apiName ?? ""),
        Path: "/ingest/zoom_webhook",
        Method: "POST",
        PayloadFormatVersion: "2.0",
      },
    });
  });

  it("has an encrypted private bucket, the legacy table with its three indexes, and a queue with a DLQ", () => {
    const bucket = resources.RecordingsBucket?.Properties;
    expect(
      bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm,
    ).toBe("AES256");
    expect(Object.values(bucket.PublicAccessBlockConfiguration)).toEqual([true, true, true, true]);
    // Download tokens the execution that stored them did not delete (skipped, failed) expire.
    expect(bucket.LifecycleConfiguration.Rules).toContainEqual({
      Id: "ExpireDownloadTokens",
      Status: "Enabled",
      Prefix: TOKEN_PREFIX,
      ExpirationInDays: 1,
    });
    // So do the checkpoints of copies no execution came back to, a day after their uploads are aborted.
    expect(bucket.LifecycleConfiguration.Rules).toContainEqual({
      Id: "ExpireUploadCheckpoints",
      Status: "Enabled",
      Prefix: ".zrec-uploads/",
      ExpirationInDays: 3,
    });

    const table = resources.RecordingsTable?.Properties;
    expect(table.KeySchema).toEqual([{ AttributeName: RECORDING_KEY.name, KeyType: "HASH" }]);
    const types = Object.fromEntries(
      table.AttributeDefinitions.map((a: Json) => [a.AttributeName, a.AttributeType]),
    );
    expect(
      table.GlobalSecondaryIndexes.map((gsi: Json) => ({
        name: gsi.IndexName,
        keys: gsi.KeySchema.map((k: Json) => `${k.KeyType} ${k.AttributeName} ${types[k.AttributeName]}`),
        projection: gsi.Projection.ProjectionType,
      })),
    ).toEqual(
      RECORDING_INDEXES.map((index) => ({
        name: index.name,
        keys: [index.hash, index.range].flatMap((k, i) =>
          k ? [`${i ? "RANGE" : "HASH"} ${k.name} ${k.type}`] : [],
        ),
        projection: "ALL",
      })),
    );

    expect(resources.WebsiteQueue?.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: ATT("WebsiteDeadLetterQueue"),
      maxReceiveCount: 5,
    });
    expect(resources.WebsiteDeadLetterQueue?.Type).toBe("AWS::SQS::Queue");
  });

  it("has an optional SiteBuilder on the notification queue, one build at a time", () => {
    const fn = resources.SiteBuilderFunction as Json;
    expect(fn.Condition).toBe("BuildSite");
    expect(template.Conditions.BuildSite).toEqual({ "Fn::Equals": [REF("SiteBuilder"), "true"] });
    expect(template.Parameters.SiteBuilder).toMatchObject({ Default: "false" });
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(1);
    expect(fn.Properties.Events.Notifications).toMatchObject({
      Type: "SQS",
      Properties: { Queue: ATT("WebsiteQueue") },
    });
    // Lambda refuses a queue whose visibility timeout is shorter than the function's.
    expect(resources.WebsiteQueue?.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(
      fn.Properties.Timeout,
    );
  });

  it("runs sweep-missed and purge-old on schedules, purge executing for real", () => {
    expect(resources.SweepMissedFunction?.Properties.Events.Daily).toMatchObject({ Type: "Schedule" });
    expect(resources.PurgeOldFunction?.Properties.Events.Daily).toMatchObject({ Type: "Schedule" });
    expect(JSON.parse(resources.PurgeOldFunction?.Properties.Events.Daily.Properties.Input)).toEqual({
      execute: true,
    });
  });

  it("gives each function exactly the actions its code uses, on its own resources", () => {
    const functions = ofType("AWS::Serverless::Function");
    expect(functions.map(([name]) => name).sort()).toEqual(Object.keys(USES).sort());
    for (const [name, fn] of functions) {
      const granted = grants(fn.Properties.Policies);
      expect(granted, name).toEqual(USES[name]);
      for (const action of Object.keys(granted)) expect(action, name).not.toContain("*");
    }
  });

  it("lets the state machine invoke its three task functions and nothing else", () => {
    const machine = resources.IngestStateMachine?.Properties;
    expect(machine.DefinitionUri).toBe("dist/state-machine.asl.json");
    const tasks = Object.entries(TASK_FUNCTIONS) as [TaskStateName, string][];
    const functionOf = (handler: string) =>
      Object.entries(resources).find(([, r]) => r.Properties?.Handler === `${handler}.handler`)?.[0] ?? "";
    for (const [task, placeholder] of tasks) {
      expect(machine.DefinitionSubstitutions[placeholder]).toEqual(ATT(functionOf(TASK_HANDLERS[task])));
      // Lambda's own timeout must come first, so its error is the one reported.
      expect(resources[functionOf(TASK_HANDLERS[task])]?.Properties.Timeout).toBeLessThan(
        TASK_TIMEOUT_SECONDS[task],
      );
    }
    expect(grants(machine.Policies)).toEqual({
      "lambda:InvokeFunction": [
        ATT("IngestMetadataFunction"),
        ATT("RetrieveRecordingFunction"),
        ATT("FinishIngestFunction"),
      ],
    });
  });

  it("keeps Zoom secrets out of the template: functions get SSM parameter names only", () => {
    const variables = [
      template.Globals.Function.Environment.Variables,
      ...ofType("AWS::Serverless::Function").map(([, f]) => f.Properties.Environment?.Variables ?? {}),
    ].flatMap((vars: Json) => Object.keys(vars));
    // ZOOM_ACCOUNTS holds account names and ZOOM_ACCOUNTS_PARAMETER_PATH where their parameters are.
    const plain = ["ZOOM_ACCOUNTS", "ZOOM_ACCOUNTS_PARAMETER_PATH"];
    expect(
      variables.filter(
        (name) => name.startsWith("ZOOM_") && !name.endsWith("_PARAMETER") && !plain.includes(name),
      ),
    ).toEqual([]);
    for (const [name, fn] of ofType("AWS::Serverless::Function")) {
      const vars: Json = fn.Properties.Environment?.Variables ?? {};
      const named = Object.keys(vars)
        .filter((v) => v.endsWith("_PARAMETER"))
        .map((v) => vars[v]["Fn::Sub"]);
      if (vars.ZOOM_ACCOUNTS !== undefined) {
        expect(vars.ZOOM_ACCOUNTS).toEqual(REF("ZoomAccounts"));
        named.push(`${vars.ZOOM_ACCOUNTS_PARAMETER_PATH["Fn::Sub"]}/*`);
      }
      const allowed = (USES[name]?.["ssm:GetParameters"] ?? []).map((arn) => (arn as Json)["Fn::Sub"]);
      expect(
        allowed.map((arn: string) => arn.replace(/^.*:parameter/, "")),
        name,
      ).toEqual(named);
    }
  });

  it("outputs the webhook URL, bucket, table and queue", () => {
    expect(Object.keys(template.Outputs)).toEqual(
      expect.arrayContaining(["WebhookUrl", "BucketName", "TableName", "QueueUrl"]),
    );
    expect(template.Outputs.WebhookUrl.Value["Fn::Sub"]).toContain("/ingest/zoom_webhook");
  });
});
