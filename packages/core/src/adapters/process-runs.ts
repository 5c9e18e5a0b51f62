/** Whether a process of this machine still runs: what tells a file left by a killed process. */
import { hasCode } from "./fs-write.js";

export function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return hasCode(error, "EPERM");
  }
}
