import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { RETRYABLE_ERROR } from "./errors.js";
import { type AslDefinition, stateMachineDefinition, TASK_FUNCTIONS } from "./state-machine.js";

// asl-validator is CommonJS without types: this is its whole API.
type Validate = (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };
const validate = createRequire(import.meta.url)("asl-validator") as Validate;

const tasksOf = (definition: AslDefinition) => {
  const found: [string, Record<string, unknown>][] = [];
  const walk = (states: Record<string, Record<string, unknown>>) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === "Task") found.push([name, state]);
      const processor = state.ItemProcessor as
        | { States?: Record<string, Record<string, unknown>> }
        | undefined;
      if (processor?.States) walk(processor.States);
    }
  };
  walk(definition.States);
  return found;
};

describe("stateMachineDefinition", () => {
  it("is valid Amazon States Language, JSONPath and ARN placeholders checked", () => {
    const result = validate(stateMachineDefinition({ fileConcurrency: 5 }), {
      checkPaths: true,
      checkArn: true,
    });
    expect(result.errorsText()).toBe("");
    expect(result.isValid).toBe(true);
  });

  it("matches what the build wrote to dist/state-machine.asl.json", async () => {
    const file = new URL("../dist/state-machine.asl.json", import.meta.url);
    if (!existsSync(file)) return; // not built yet: the test above covers the definition itself
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual(stateMachineDefinition({ fileConcurrency: 5 }));
  });

  it("copies at most ingest.fileConcurrency files at once, on every download path", () => {
    const { States } = stateMachineDefinition({ fileConcurrency: 3 });
    expect(States.RetrieveFiles?.MaxConcurrency).toBe(3);
    expect(States.RetrieveFilesWithOAuth?.MaxConcurrency).toBe(3);
    expect(States.RetrieveFilesWithInlineToken?.MaxConcurrency).toBe(3);
    expect(() => stateMachineDefinition({ fileConcurrency: 0 })).toThrow(/fileConcurrency/);
  });

  it("retries throttling and transient errors with backoff on every task", () => {
    const tasks = tasksOf(stateMachineDefinition({ fileConcurrency: 5 }));
    expect(tasks.map(([name]) => name).sort()).toEqual(Object.keys(TASK_FUNCTIONS).sort());
    for (const [name, task] of tasks) {
      const retry = task.Retry as { ErrorEquals: string[]; BackoffRate: number; MaxAttempts: number }[];
      const retried = retry.flatMap((r) => r.ErrorEquals);
      expect(retried, name).toEqual(
        // A function that ran out of time (a stuck request) is tried again too: a copy resumes.
        expect.arrayContaining([
          "Lambda.TooManyRequestsException",
          RETRYABLE_ERROR,
          "Sandbox.Timedout",
          "States.Timeout",
        ]),
      );
      for (const retrier of retry) expect(retrier.BackoffRate, name).toBeGreaterThan(1);
      expect(task.Resource).toBe(`\${${TASK_FUNCTIONS[name as keyof typeof TASK_FUNCTIONS]}}`);
    }
  });

  it("passes the download token by reference; only an execution with it inline passes it on", () => {
    const { States } = stateMachineDefinition({ fileConcurrency: 5 });
    expect(States.RetrieveFiles?.ItemSelector).toEqual({
      "task.$": "$$.Map.Item.Value",
      "download_token_ref.$": "$.download_token_ref",
      "event_ts.$": "$.event_ts",
    });
    const { RetrieveFilesWithInlineToken: inline, ...others } = States;
    expect(JSON.stringify(inline)).toContain('"download_token.$"');
    expect(JSON.stringify(others)).not.toContain('"download_token.$"');
    expect(States.FinishIngest?.Parameters).toMatchObject({ "execution_name.$": "$$.Execution.Name" });
  });

  it("has no Catch: a file that fails for good fails the execution before FinishIngest", () => {
    const definition = stateMachineDefinition({ fileConcurrency: 5 });
    expect(JSON.stringify(definition)).not.toContain("Catch");
    expect(JSON.stringify(definition)).not.toContain("ToleratedFailure");
    expect(definition.States.RetrieveFiles?.Next).toBe("FinishIngest");
  });
});
