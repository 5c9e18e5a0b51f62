/** Running one measurement in a child process and getting its one result message back. */
import { fork, spawn } from "node:child_process";

/**
 * Forks `script` with `args` and resolves with the `result` of its single `{ ok, result | error }` message.
 * @example
 * const result = await runWorker(new URL("./copy-worker.mjs", import.meta.url), [JSON.stringify(spec)]);
 */
export function runWorker(script, args = [], { env = {}, execArgv = [] } = {}) {
  return new Promise((resolve, reject) => {
    const child = fork(script instanceof URL ? script.pathname : script, args, {
      env: { ...process.env, ...env },
      execArgv,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let answer;
    child.on("message", (message) => {
      answer = message;
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (answer?.ok) resolve(answer.result);
      else reject(new Error(answer?.error ?? `${script} exited with ${signal ?? code} and no result`));
    });
  });
}

/**
 * Spawns a command and resolves with its wall time (from spawn to exit), exit code and output.
 * @example
 * const { ms, code } = await timeCommand(process.execPath, ["-e", "0"]);
 */
export function timeCommand(command, args, { cwd, env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: "pipe" });
    const out = [];
    const err = [];
    child.stdout.on("data", (chunk) => out.push(chunk));
    child.stderr.on("data", (chunk) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({
        ms: performance.now() - started,
        code,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
      }),
    );
  });
}
