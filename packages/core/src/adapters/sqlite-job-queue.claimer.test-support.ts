/**
 * A separate process for job-queue.test.ts: from the given moment, claims jobs until the queue is
 * empty, then prints the ids it got as JSON. Usage: <db> <worker> <startAtMs>
 */
import { setTimeout as sleep } from "node:timers/promises";
import { createSqliteJobQueue } from "./sqlite-job-queue.js";

const [db = "", worker = "", startAt = "0"] = process.argv.slice(2);
const queue = createSqliteJobQueue({ path: db });
await sleep(Math.max(0, Number(startAt) - Date.now()));
const got: string[] = [];
for (;;) {
  const job = queue.claim(worker);
  if (!job) break;
  got.push(job.id);
  // A pause between claims interleaves the processes, as servers with work to do would.
  await sleep(2);
}
queue.close();
process.stdout.write(JSON.stringify(got));
