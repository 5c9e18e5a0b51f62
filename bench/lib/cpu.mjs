/**
 * How busy the machine was with work that is not the benchmark's: the CPU time every core spent (from
 * /proc/stat) minus what the benchmark's own processes used. On a small shared machine another job's
 * tests can halve a capped copy's speed; this figure lets a reader see which rows that happened to.
 */
import { readFileSync } from "node:fs";

/** Seconds of CPU time spent by all cores since boot (idle and I/O wait excluded); undefined off Linux. */
export function machineBusySeconds() {
  try {
    const [, ...fields] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
    return (user + nice + system + irq + softirq + steal) / 100;
  } catch {
    return undefined;
  }
}

/** This process's CPU time in seconds. */
export function ownCpuSeconds() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/**
 * Starts watching; `stop(childCpuSeconds, wallSeconds)` resolves with the cores' worth of CPU other
 * work used meanwhile (0.5 = half a core), and `cores`: what the copier, each service and the whole
 * machine used, so a reader can see when the 2 cores were all busy. `services` report their own CPU
 * time over IPC (op `cpu`).
 * @example
 * const watch = await watchOtherCpu([sim]);
 * const { otherCores, cores } = await watch.stop(result.cpuSeconds, seconds);
 */
export async function watchOtherCpu(services) {
  const cpuEach = () => Promise.all(services.map((s) => s.call("cpu")));
  const busy0 = machineBusySeconds();
  const services0 = await cpuEach();
  const self0 = ownCpuSeconds();
  return {
    async stop(childCpuSeconds, wallSeconds) {
      const busy = machineBusySeconds();
      if (busy === undefined || busy0 === undefined || wallSeconds <= 0) return {};
      const each = (await cpuEach()).map((cpu, i) => cpu - services0[i]);
      const ours = childCpuSeconds + each.reduce((a, b) => a + b, 0) + (ownCpuSeconds() - self0);
      const cores = {
        copier: childCpuSeconds / wallSeconds,
        services: Object.fromEntries(services.map((s, i) => [s.name, each[i] / wallSeconds])),
        machine: (busy - busy0) / wallSeconds,
      };
      return { otherCores: Math.max(0, (busy - busy0 - ours) / wallSeconds), cores };
    },
  };
}
