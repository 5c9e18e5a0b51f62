/**
 * SHA-256 on a worker thread. Hashing the file is the heaviest thing the ranged copy itself does to its
 * bytes (about 5 ms per 8 MiB part); on the main thread it held up the next requests and the stores of
 * parts that arrived together. One thread per process, shared by every copy, started on first use; it
 * keeps the process alive only while it has work. The parts' MD5 for the folder store's ETag is
 * computed here too (by the store, or by the copy as the bytes arrive), which is why this lives beside
 * the ports rather than in transfer/.
 */
import { createHash } from "node:crypto";
import { Worker } from "node:worker_threads";

// The thread's code, as CommonJS source evaluated by the thread: a bundle cannot leave a string behind.
const SOURCE = `
const { parentPort } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const hashes = new Map();
parentPort.on("message", ({ id, op, bytes, algorithms }) => {
  try {
    if (op === "warm") {
      // A fresh buffer is all zeros: writing a zero into each page changes nothing but makes the
      // kernel back the page now, here, rather than at the main thread's first write into it.
      for (let i = 0; i < bytes.length; i += 4096) bytes[i] = 0;
      parentPort.postMessage({ id });
      return;
    }
    if (op === "digests") {
      const digests = {};
      for (const algorithm of algorithms) digests[algorithm] = createHash(algorithm).update(bytes).digest("hex");
      parentPort.postMessage({ id, digests });
      return;
    }
    if (op === "forget") {
      hashes.delete(id);
      return;
    }
    let hash = hashes.get(id);
    if (!hash) hashes.set(id, (hash = createHash((algorithms && algorithms[0]) || "sha256")));
    if (op === "update") {
      hash.update(bytes);
      parentPort.postMessage({ id });
    } else {
      hashes.delete(id);
      parentPort.postMessage({ id, hex: hash.digest("hex") });
    }
  } catch (error) {
    hashes.delete(id);
    parentPort.postMessage({ id, error: String((error && error.message) || error) });
  }
});
`;

interface Reply {
  id: number;
  hex?: string;
  digests?: Record<string, string>;
  error?: string;
}

interface Pending {
  resolve: (reply: Reply) => void;
  reject: (reason: unknown) => void;
}

class HashThread {
  private readonly worker = new Worker(SOURCE, { eval: true });
  /** Per hash, the answers awaited, in the order asked (the thread answers in that order). */
  private readonly pending = new Map<number, Pending[]>();
  private outstanding = 0;
  /** The thread died: every hash on it is lost, and the next ThreadHash starts a new thread. */
  failed = false;

  constructor() {
    this.worker.on("message", (reply: Reply) => this.answer(reply));
    this.worker.on("error", (error) => this.failAll(error));
    this.worker.on("exit", (code) =>
      this.failAll(new Error(`the hashing thread stopped (exit code ${code})`)),
    );
    // After the listeners: adding a "message" listener refs the thread's port again, and a copy that
    // failed before hashing anything (no answer to unref it) then kept `zrec ingest` from ever exiting.
    // Found by the hardening suite (packages/cli/test/faults/retry-budget.e2e.test.ts).
    this.worker.unref();
  }

  send(
    id: number,
    op: "update" | "digest" | "digests" | "warm",
    bytes?: Uint8Array,
    algorithms?: readonly string[],
  ): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const queue = this.pending.get(id) ?? [];
      this.pending.set(id, queue);
      queue.push({ resolve, reject });
      // Work in hand keeps the process alive, as a socket does; an idle thread does not. Warming too: a
      // copy whose answers are in may wait for its buffers with nothing else holding the process
      // (undici's sockets do not), and `zrec ingest` then exited with 13 (unsettled top-level await).
      if (this.outstanding++ === 0) this.worker.ref();
      // A view of a SharedArrayBuffer (the copy's part buffers) crosses without a copy; others are copied.
      this.worker.postMessage({ id, op, bytes, algorithms });
    });
  }

  /** Messages are handled in order: updates already sent are still answered, then the hash is dropped. */
  forget(id: number): void {
    this.worker.postMessage({ id, op: "forget" });
  }

  private answer(reply: Reply): void {
    const { id, error } = reply;
    const queue = this.pending.get(id);
    const next = queue?.shift();
    if (queue?.length === 0) this.pending.delete(id);
    if (--this.outstanding === 0) this.worker.unref();
    if (error !== undefined) next?.reject(new Error(`SHA-256 failed: ${error}`));
    else next?.resolve(reply);
  }

  private failAll(error: unknown): void {
    this.failed = true;
    if (shared === this) shared = undefined;
    for (const queue of this.pending.values()) for (const waiting of queue) waiting.reject(error);
    this.pending.clear();
  }
}

let shared: HashThread | undefined;
let nextId = 1;

/**
 * One hash (SHA-256 unless told otherwise) computed on the shared thread; updates apply in the order
 * they are made.
 * @example
 * ```ts
 * const hash = new ThreadHash();
 * await hash.update(bytes); // the thread has read them: they may change now
 * await hash.digest(); // hex
 * ```
 */
export class ThreadHash {
  private readonly id = nextId++;
  private readonly thread: HashThread;
  private readonly algorithms: readonly string[];

  constructor(algorithm = "sha256") {
    shared ??= new HashThread();
    this.thread = shared;
    this.algorithms = [algorithm];
  }

  /** Resolves once the thread has read `bytes`. */
  async update(bytes: Uint8Array): Promise<void> {
    await this.thread.send(this.id, "update", bytes, this.algorithms);
  }

  /** The hex digest of everything updated so far; the hash is done with afterwards. */
  async digest(): Promise<string> {
    return (await this.thread.send(this.id, "digest")).hex as string;
  }

  /** Lets the thread drop a hash that will never be digested (a failed copy). */
  forget(): void {
    if (!this.thread.failed) this.thread.forget(this.id);
  }
}

/**
 * Makes the kernel back every page of a fresh SharedArrayBuffer view now, on the shared thread. On the
 * machines we measured (virtual machines that hand freed memory back to their host) the first write into
 * each 4 KiB page costs 10–30 µs; for a copy's part buffers (80 MiB at 8 in flight) that was up to a
 * second of the main thread's time during the first round of parts, when every connection's bytes
 * arrive at once. The buffer must not be used before this resolves; other views are left as they are.
 * @example
 * const buffer = new Uint8Array(new SharedArrayBuffer(8 * 1024 * 1024));
 * await warmOnThread(buffer);
 */
export async function warmOnThread(bytes: Uint8Array): Promise<void> {
  if (!(bytes.buffer instanceof SharedArrayBuffer)) return;
  shared ??= new HashThread();
  await shared.send(nextId++, "warm", bytes);
}

/**
 * Digests of one buffer computed on the shared thread, in hex: a store's per-part MD5 (its S3-style
 * ETag) costs the main thread nothing, which on two cores is the network's time. The bytes must not
 * change until this resolves. Only a view of a SharedArrayBuffer (the copy's part buffers) goes to the
 * thread: any other view would be copied whole, backing buffer and all, so it is hashed here.
 * @example
 * const { md5 } = await digestsOnThread(part, ["md5"]);
 */
export async function digestsOnThread(
  bytes: Uint8Array,
  algorithms: readonly string[],
): Promise<Record<string, string>> {
  if (!(bytes.buffer instanceof SharedArrayBuffer)) {
    return Object.fromEntries(algorithms.map((a) => [a, createHash(a).update(bytes).digest("hex")]));
  }
  shared ??= new HashThread();
  return (await shared.send(nextId++, "digests", bytes, algorithms)).digests ?? {};
}
