/**
 * Runs `task(i)` for i = 0 … count − 1 with at most `concurrency` running at once; rejects on the first
 * failure. The benchmarks' one worker pool (seeding documents, reading them, uploading parts).
 * @example
 * await eachConcurrently(keys.length, 64, (i) => store.get(keys[i]));
 */
export async function eachConcurrently(count, concurrency, task) {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) await task(i);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
