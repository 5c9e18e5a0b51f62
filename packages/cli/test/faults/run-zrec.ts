/**
 * The built `zrec`, run as support.ts's runZrec runs it, but SIGKILLed at a deadline: a process that
 * does not end (a hang, not a slow retry) fails its test at the bound instead of outliving the suite.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const cliMain = fileURLToPath(new URL("../../dist/main.js", import.meta.url));

export interface DeadlineRun {
  code: number;
  stdout: string;
  stderr: string;
  /** True when the process was still running at the deadline and was killed. */
  killedAtDeadline: boolean;
}

/**
 * @example
 * const run = await runZrecWithin(["ingest", "webhook.json"], { cwd, env, deadlineMs: 30_000 });
 * expect(run.killedAtDeadline).toBe(false);
 */
export function runZrecWithin(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; deadlineMs?: number },
): Promise<DeadlineRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliMain, ...args], {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: "1", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let killedAtDeadline = false;
    const timer = setTimeout(() => {
      killedAtDeadline = true;
      child.kill("SIGKILL");
    }, options.deadlineMs ?? 60_000);
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, killedAtDeadline });
    });
  });
}
