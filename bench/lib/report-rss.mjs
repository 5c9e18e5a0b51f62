/**
 * Preloaded with `node --import` into a process the benchmark does not write (the built `zrec`): on exit
 * it writes the process's peak RSS in KiB and its CPU time in seconds to the file named by BENCH_RSS_FILE.
 */
import { writeFileSync } from "node:fs";

const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on("exit", () => {
    const { maxRSS, userCPUTime, systemCPUTime } = process.resourceUsage();
    writeFileSync(
      file,
      JSON.stringify({ maxRssKiB: maxRSS, cpuSeconds: (userCPUTime + systemCPUTime) / 1e6 }),
    );
  });
}
