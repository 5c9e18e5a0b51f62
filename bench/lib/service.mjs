/**
 * A long-lived helper process (zoom-sim, s3rver) driven over Node's IPC channel: the parent calls named
 * operations, the child answers. Keeping servers out of the copier's process means a measurement's CPU
 * time and peak RSS are the copier's own (on a 2-core machine they still compete for the cores).
 */
import { fork } from "node:child_process";
import path from "node:path";

/**
 * Parent side: forks `script`, waits for its `ready` message, and returns a handle.
 * @example
 * const sim = await startService(new URL("./sim-server.mjs", import.meta.url));
 * const meeting = await sim.call("addMeeting", spec);
 * await sim.close();
 */
export async function startService(script, { env = {}, execArgv = [] } = {}) {
  const child = fork(script instanceof URL ? script.pathname : script, [], {
    env: { ...process.env, ...env },
    execArgv,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const pending = new Map();
  let nextId = 1;
  let exited = false;
  child.on("exit", (code, signal) => {
    exited = true;
    for (const { reject } of pending.values()) {
      reject(new Error(`${script} exited (${signal ?? code}) before answering`));
    }
    pending.clear();
  });
  const ready = await new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code} while starting`)));
    child.once("message", (message) => resolve(message.ready));
  });
  child.on("message", (message) => {
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.ok) waiter.resolve(message.result);
    else waiter.reject(new Error(message.error));
  });
  return {
    info: ready,
    pid: child.pid,
    /** The script's name without extension: `sim-server`, `s3rver-server`. */
    name: path.basename(script instanceof URL ? script.pathname : script).replace(/\.[^.]+$/, ""),
    call(op, ...args) {
      if (exited) return Promise.reject(new Error(`${script} is not running`));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ id, op, args });
      });
    },
    async close() {
      if (exited) return;
      const gone = new Promise((resolve) => child.once("exit", resolve));
      child.send({ id: 0, op: "close", args: [] });
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/**
 * Child side: announces `info` as ready, then answers `{ id, op, args }` by calling `ops[op]`. The op
 * `close` runs `onClose` and exits; so does losing the parent.
 */
export function serve(info, ops, onClose) {
  let closing = false;
  const close = async () => {
    if (closing) return;
    closing = true;
    await onClose().catch(() => {});
    process.exit(0);
  };
  process.on("disconnect", close);
  process.on("message", async ({ id, op, args }) => {
    if (op === "close") return close();
    try {
      const fn = ops[op];
      if (!fn) throw new Error(`unknown operation ${op}`);
      process.send({ id, ok: true, result: await fn(...args) });
    } catch (error) {
      process.send({ id, ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  });
  process.send({ ready: info });
}
