import type { ObjectStore } from "../ports.js";

/**
 * Writes `value` as pretty JSON (what the older system wrote, and what operators read and edit).
 * Identical bytes already there are left alone, so a re-run with the same input changes nothing.
 */
export async function putJson(store: ObjectStore, key: string, value: unknown): Promise<void> {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  const current = await store.get(key);
  if (current !== undefined && Buffer.from(current).equals(Buffer.from(text))) return;
  await store.put(key, text, { contentType: "application/json" });
}

/** Reads a JSON object, or undefined when there is none. A corrupt object is an error naming the key. */
export async function getJson(store: ObjectStore, key: string): Promise<unknown> {
  const bytes = await store.get(key);
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch (error) {
    throw new Error(`${store.description}: ${key} is not valid JSON`, { cause: error });
  }
}

export const documentKey = (recordingId: string) => `${recordingId}/recording_document.json`;
