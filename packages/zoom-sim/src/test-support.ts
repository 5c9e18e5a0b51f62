/** Helpers for the sim's own tests: a client as plain as fetch, so the sim is tested from the outside. */
import { startZoomSim, type ZoomSim } from "./server.js";
import type { SimAccount, SimFileSpec } from "./types.js";

export const MiB = 1024 * 1024;

/** Zoom's JSON, read loosely: a test states the shape it expects with its assertions. */
// biome-ignore lint/suspicious/noExplicitAny: the assertions are the type check here
export type Json = any;

export function basic(account: SimAccount): string {
  return `Basic ${Buffer.from(`${account.clientId}:${account.clientSecret}`).toString("base64")}`;
}

export async function accessToken(sim: ZoomSim, account = sim.accounts[0]): Promise<string> {
  if (!account) throw new Error("no account");
  const response = await fetch(
    `${sim.oauthUrl}?grant_type=account_credentials&account_id=${account.accountId}`,
    {
      method: "POST",
      headers: { Authorization: basic(account) },
    },
  );
  if (response.status !== 200) throw new Error(`oauth answered ${response.status}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** A started sim holding one 10-minute meeting of `files`, and an access token for its account. */
export async function simWithMeeting(topic: string, files: SimFileSpec[]) {
  const sim = await startZoomSim();
  const meeting = sim.addMeeting({ topic, startTime: "2024-07-04T17:02:30Z", durationMinutes: 10, files });
  return { sim, meeting, token: await accessToken(sim) };
}

/** GET (or another method) on a /v2 path with a bearer token. */
export async function api(sim: ZoomSim, token: string, path: string, init: RequestInit = {}) {
  const response = await fetch(`${sim.apiBaseUrl}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${token}`, ...(init.headers as Record<string, string> | undefined) },
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    json: (text ? JSON.parse(text) : undefined) as Json,
  };
}

/** The signed CDN URL a download URL redirects to. */
export async function cdnUrl(downloadUrl: string, token: string): Promise<string> {
  const response = await fetch(downloadUrl, {
    headers: { Authorization: `Bearer ${token}` },
    redirect: "manual",
  });
  await response.arrayBuffer();
  const location = response.headers.get("location");
  if (response.status !== 302 || !location) throw new Error(`download answered ${response.status}`);
  return location;
}

/** Reads a body to the end or to the error that cut it, counting what arrived. */
export async function readAll(response: Response): Promise<{ bytes: Buffer; error?: unknown }> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of response.body ?? []) chunks.push(Buffer.from(chunk as Uint8Array));
    return { bytes: Buffer.concat(chunks) };
  } catch (error) {
    return { bytes: Buffer.concat(chunks), error };
  }
}
