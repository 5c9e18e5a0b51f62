/**
 * The floor under `zrec ingest` of one file at n parts: a process that only fetches the ranges over n
 * connections (following the CDN's redirect, as zrec does) and writes each chunk at its offset in a file,
 * then syncs it. No checks, no hashes, no part buffers, no configuration, no Zoom API, no document. The
 * benchmark times this whole process, start-up included, to say what the machine (network stack,
 * page cache, disk) costs before zrec does anything of its own.
 *
 * `node plain-ranged-copy.mjs URL TOKEN SIZE PART_BYTES CONNECTIONS OUT_FILE`
 */

import { open } from "node:fs/promises";
import http from "node:http";

const [url, token, sizeText, partText, connectionsText, out] = process.argv.slice(2);
const size = Number(sizeText);
const part = Number(partText);
const parts = Math.ceil(size / part);

function get(target, headers) {
  return new Promise((resolve, reject) => {
    http.get(target, { headers }, resolve).on("error", reject);
  });
}

async function fetchRange(number, file) {
  const start = number * part;
  const range = `bytes=${start}-${Math.min(size, start + part) - 1}`;
  let response = await get(url, { authorization: `Bearer ${token}`, range });
  if (response.statusCode >= 300 && response.statusCode < 400) {
    response.resume();
    response = await get(new URL(response.headers.location, url).href, { range });
  }
  if (response.statusCode !== 206) throw new Error(`part ${number + 1}: HTTP ${response.statusCode}`);
  let offset = start;
  for await (const chunk of response) {
    await file.write(chunk, 0, chunk.length, offset);
    offset += chunk.length;
  }
}

const file = await open(out, "w");
let next = 0;
await Promise.all(
  Array.from({ length: Number(connectionsText) }, async () => {
    while (next < parts) await fetchRange(next++, file);
  }),
);
await file.sync();
await file.close();
