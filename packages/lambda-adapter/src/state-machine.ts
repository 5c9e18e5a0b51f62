/**
 * The ingest state machine, in Amazon States Language, generated here so that it cannot drift from the
 * handlers: IngestMetadata, then (unless skipped) one RetrieveRecording per file, bounded by
 * `ingest.fileConcurrency`, then FinishIngest. Each task gets exactly the JSON its core stage takes.
 *
 * The execution's input is the recording event without its `download_token`: the starter keeps that in
 * the bucket and puts its reference, `download_token_ref`, in the input (download-token.ts), so no
 * input or output in the history holds the token. The reference and `event_ts` go to every file task;
 * JSONPath cannot leave out a field that is missing, so an event without them (a manual re-ingest)
 * takes a second Map whose tasks carry neither and download with the OAuth token, and an event with the
 * token inline (started by an earlier deployment) a third that passes it on as before. FinishIngest
 * gets the execution's name, which the reference is, and deletes the stored token.
 * A file that fails for good fails its Map and so the execution, before FinishIngest: nothing is trashed.
 */
import { RETRYABLE_ERROR } from "./errors.js";

/** The `${…}` placeholders in each Task's Resource; the template fills them with the functions' ARNs. */
export const TASK_FUNCTIONS = {
  IngestMetadata: "IngestMetadataFunctionArn",
  RetrieveRecording: "RetrieveRecordingFunctionArn",
  RetrieveRecordingWithOAuth: "RetrieveRecordingFunctionArn",
  RetrieveRecordingWithInlineToken: "RetrieveRecordingFunctionArn",
  FinishIngest: "FinishIngestFunctionArn",
} as const;
export type TaskStateName = keyof typeof TASK_FUNCTIONS;

/** The handler each task state runs (`dist/handlers/<name>.mjs`). */
export const TASK_HANDLERS: Record<TaskStateName, string> = {
  IngestMetadata: "ingest-metadata",
  RetrieveRecording: "retrieve-recording",
  RetrieveRecordingWithOAuth: "retrieve-recording",
  RetrieveRecordingWithInlineToken: "retrieve-recording",
  FinishIngest: "finish-ingest",
};

/**
 * Seconds each task may run. Step Functions has no default limit; each value is a little above the
 * function's own Timeout in template.yaml (a test checks), so Lambda's clearer timeout error wins.
 */
export const TASK_TIMEOUT_SECONDS: Record<TaskStateName, number> = {
  IngestMetadata: 120,
  RetrieveRecording: 930,
  RetrieveRecordingWithOAuth: 930,
  RetrieveRecordingWithInlineToken: 930,
  FinishIngest: 120,
};

/** Errors of the Lambda service itself that AWS recommends retrying. */
const LAMBDA_TRANSIENT = [
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.TooManyRequestsException",
];

export interface StateMachineOptions {
  /** Files copied at once: `ingest.fileConcurrency` (default 5). */
  fileConcurrency: number;
}

export type AslDefinition = {
  Comment: string;
  StartAt: string;
  States: Record<string, Record<string, unknown>>;
};

/**
 * @example
 * const definition = stateMachineDefinition({ fileConcurrency: config.ingest.fileConcurrency });
 * await writeFile("dist/state-machine.asl.json", JSON.stringify(definition, null, 2));
 */
export function stateMachineDefinition(options: StateMachineOptions): AslDefinition {
  if (!Number.isInteger(options.fileConcurrency) || options.fileConcurrency < 1) {
    throw new RangeError(
      `fileConcurrency must be a whole number, 1 or more (got ${options.fileConcurrency}).`,
    );
  }
  return {
    Comment:
      "zrec: archive one Zoom recording (IngestMetadata -> RetrieveRecording per file -> FinishIngest)",
    StartAt: "IngestMetadata",
    States: {
      IngestMetadata: task("IngestMetadata", {
        Parameters: { "event.$": "$" },
        ResultPath: "$.metadata",
        Next: "CheckMetadata",
      }),
      CheckMetadata: {
        Type: "Choice",
        Choices: [
          { Variable: "$.metadata.status", StringEquals: "skipped", Next: "Skipped" },
          {
            And: [
              { Variable: "$.download_token_ref", IsPresent: true },
              { Variable: "$.event_ts", IsPresent: true },
            ],
            Next: "RetrieveFiles",
          },
          {
            And: [
              { Variable: "$.download_token", IsPresent: true },
              { Variable: "$.event_ts", IsPresent: true },
            ],
            Next: "RetrieveFilesWithInlineToken",
          },
        ],
        Default: "RetrieveFilesWithOAuth",
      },
      Skipped: { Type: "Succeed", OutputPath: "$.metadata" },
      RetrieveFiles: retrieveFiles("RetrieveRecording", options, {
        "task.$": "$$.Map.Item.Value",
        "download_token_ref.$": "$.download_token_ref",
        "event_ts.$": "$.event_ts",
      }),
      RetrieveFilesWithInlineToken: retrieveFiles("RetrieveRecordingWithInlineToken", options, {
        "task.$": "$$.Map.Item.Value",
        "download_token.$": "$.download_token",
        "event_ts.$": "$.event_ts",
      }),
      RetrieveFilesWithOAuth: retrieveFiles("RetrieveRecordingWithOAuth", options, {
        "task.$": "$$.Map.Item.Value",
      }),
      FinishIngest: task("FinishIngest", {
        Parameters: {
          "metadata.$": "$.metadata",
          "files.$": "$.files",
          "execution_name.$": "$$.Execution.Name",
        },
        End: true,
      }),
    },
  };
}

function retrieveFiles(
  taskName: TaskStateName,
  options: StateMachineOptions,
  itemSelector: Record<string, string>,
): Record<string, unknown> {
  return {
    Type: "Map",
    ItemsPath: "$.metadata.files",
    ItemSelector: itemSelector,
    MaxConcurrency: options.fileConcurrency,
    ItemProcessor: {
      ProcessorConfig: { Mode: "INLINE" },
      StartAt: taskName,
      // A file that cannot be copied within one invocation comes back `incomplete` with its parts
      // checkpointed: the same task again goes on from there, until the file is stored.
      States: {
        [taskName]: task(taskName, { ResultPath: "$.retrieved", Next: `${taskName}Copied` }),
        [`${taskName}Copied`]: {
          Type: "Choice",
          Choices: [
            {
              And: [
                { Variable: "$.retrieved.status", IsPresent: true },
                { Variable: "$.retrieved.status", StringEquals: "incomplete" },
              ],
              Next: taskName,
            },
          ],
          Default: `${taskName}Stored`,
        },
        [`${taskName}Stored`]: { Type: "Pass", OutputPath: "$.retrieved", End: true },
      },
    },
    ResultPath: "$.files",
    Next: "FinishIngest",
  };
}

function task(name: TaskStateName, fields: Record<string, unknown>): Record<string, unknown> {
  return {
    Type: "Task",
    Resource: `\${${TASK_FUNCTIONS[name]}}`,
    TimeoutSeconds: TASK_TIMEOUT_SECONDS[name],
    ...fields,
    Retry: [
      {
        ErrorEquals: LAMBDA_TRANSIENT,
        IntervalSeconds: 2,
        BackoffRate: 2,
        MaxAttempts: 6,
        JitterStrategy: "FULL",
      },
      {
        // The stage's own retries ran out (Zoom or AWS throttling, a 5xx, a dropped connection):
        // minutes later it often works. A re-run skips the files already stored. So does one after the
        // function ran out of time (a request stuck until its timeout): a copy resumes from its checkpoint.
        ErrorEquals: [RETRYABLE_ERROR, "Sandbox.Timedout", "States.Timeout"],
        IntervalSeconds: 30,
        BackoffRate: 2,
        MaxAttempts: 3,
        MaxDelaySeconds: 300,
        JitterStrategy: "FULL",
      },
    ],
  };
}
