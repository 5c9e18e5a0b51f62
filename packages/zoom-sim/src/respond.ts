/**
 * Writing a response body the way a real server does, and the way a troubled one does: with backpressure,
 * optionally paced to a bandwidth, and cut, stalled or shortened by an injected fault.
 */
import type { ServerResponse } from "node:http";
import { DEFAULT_STALL_MS, describeFault, faultStatusBody } from "./faults.js";
import type { FaultRule, RequestLogEntry } from "./types.js";

/** Paced bodies go out in pieces of this size: small enough for accuracy, large enough to be cheap. */
const PACE_CHUNK = 64 * 1024;

export interface BodyPlan {
  status: number;
  headers: Record<string, string | number>;
  /** The Content-Length to announce. */
  length: number;
  /** The body, in order; ignored for HEAD. */
  chunks: Iterable<Buffer>;
  head?: boolean;
  /** A fault of kind drop, stall or wrong-size to act out while writing. */
  fault?: FaultRule | undefined;
  /** Bytes per second, read before every piece so a change applies mid-body; undefined = as fast as possible. */
  bandwidth?: () => number | undefined;
}

export async function writeBody(res: ServerResponse, entry: RequestLogEntry, plan: BodyPlan): Promise<void> {
  entry.status = plan.status;
  // A 204 carries no body and, by RFC 9110, no Content-Length either.
  const length = plan.status === 204 ? {} : { "Content-Length": plan.length };
  res.writeHead(plan.status, { ...plan.headers, ...length });
  if (plan.head) {
    res.end();
    return;
  }
  const fault = plan.fault;
  let cutAt: number | undefined;
  if (fault?.kind === "drop") cutAt = fault.afterBytes ?? 0;
  if (fault?.kind === "wrong-size") cutAt = Math.max(0, plan.length - (fault.bytes ?? 1));
  let stallAt = fault?.kind === "stall" ? (fault.afterBytes ?? 0) : undefined;

  let sent = 0;
  let paceRate: number | undefined;
  let paceStart = 0;
  let pacedBytes = 0;
  const iterator = plan.chunks[Symbol.iterator]();
  let pending: Buffer | undefined;

  for (;;) {
    if (res.destroyed) return;
    if (stallAt !== undefined && sent >= stallAt) {
      stallAt = undefined;
      res.flushHeaders();
      await sleep(fault?.stallMs ?? DEFAULT_STALL_MS, res);
      paceRate = undefined;
      continue;
    }
    if (cutAt !== undefined && sent >= cutAt) {
      await flushed(res);
      res.socket?.destroy();
      return;
    }
    if (!pending || pending.length === 0) {
      const next = iterator.next();
      if (next.done) break;
      pending = next.value;
      continue;
    }
    let limit = pending.length;
    if (stallAt !== undefined) limit = Math.min(limit, stallAt - sent);
    if (cutAt !== undefined) limit = Math.min(limit, cutAt - sent);

    const rate = plan.bandwidth?.();
    if (rate !== undefined && rate > 0) {
      limit = Math.min(limit, PACE_CHUNK);
      if (rate !== paceRate) {
        paceRate = rate;
        paceStart = performance.now();
        pacedBytes = 0;
      }
      // The schedule is absolute (start + bytes / rate), so timer lateness never accumulates.
      const due = paceStart + (pacedBytes / rate) * 1000;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait, res);
      if (res.destroyed) return;
      pacedBytes += limit;
    }

    const piece = limit === pending.length ? pending : pending.subarray(0, limit);
    pending = limit === pending.length ? undefined : pending.subarray(limit);
    sent += piece.length;
    entry.bytesSent = sent;
    if (!res.write(piece)) await drained(res);
  }
  res.end();
}

/** Answers a `status` fault: Zoom's error body, Retry-After when the rule says so. */
function faultStatusPlan(rule: FaultRule): BodyPlan {
  const status = rule.status ?? 500;
  const body = Buffer.from(JSON.stringify(faultStatusBody(status)));
  const headers: Record<string, string> = { "Content-Type": "application/json;charset=UTF-8" };
  if (rule.retryAfter !== undefined) headers["Retry-After"] = rule.retryAfter;
  return { status, headers, length: body.length, chunks: [body] };
}

export function jsonPlan(status: number, body: unknown, headers: Record<string, string> = {}): BodyPlan {
  if (body === undefined) return { status, headers, length: 0, chunks: [] };
  const bytes = Buffer.from(JSON.stringify(body));
  return {
    status,
    headers: { "Content-Type": "application/json;charset=UTF-8", ...headers },
    length: bytes.length,
    chunks: [bytes],
  };
}

/** Writes a plan after applying a fault the generic way: status answers at once, the rest act while writing. */
export async function send(
  res: ServerResponse,
  entry: RequestLogEntry,
  plan: BodyPlan,
  fault?: FaultRule,
): Promise<void> {
  if (fault) entry.fault = describeFault(fault);
  if (fault?.kind === "status") return writeBody(res, entry, faultStatusPlan(fault));
  return writeBody(res, entry, { ...plan, fault });
}

function sleep(ms: number, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      res.off("close", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.on("close", done);
  });
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/** Resolves once everything written so far has reached the socket, so a drop cuts at the exact byte. */
function flushed(res: ServerResponse): Promise<void> {
  res.flushHeaders();
  const socket = res.socket;
  if (!socket || socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    socket.write(Buffer.alloc(0), () => resolve());
  });
}
