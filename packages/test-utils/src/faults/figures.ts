/**
 * The counts SECURITY.md reports. Each hardening suite adds to a named record while it runs and writes
 * it as `{dir}/{name}.json` when `ZREC_FAULT_REPORT` names a folder (the long `pnpm test:faults` sets
 * it); the normal suite counts too but writes nothing.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

export type Counts = Record<string, number>;

export class Figures {
  readonly counts: Counts = {};
  readonly byKind: Record<string, Counts> = {};
  readonly notes: string[] = [];

  constructor(readonly name: string) {}

  add(counter: string, by = 1): void {
    this.counts[counter] = (this.counts[counter] ?? 0) + by;
  }

  /** `group.kind += by`, e.g. `faultsHit.drop`. */
  addKind(group: string, kind: string, by = 1): void {
    const counts = this.byKind[group] ?? {};
    this.byKind[group] = counts;
    counts[kind] = (counts[kind] ?? 0) + by;
  }

  note(text: string): void {
    if (this.notes.length < 50) this.notes.push(text);
  }

  /** Writes the record when ZREC_FAULT_REPORT is set; returns where, or undefined. */
  async write(extra: Record<string, unknown> = {}): Promise<string | undefined> {
    const dir = process.env.ZREC_FAULT_REPORT;
    if (dir === undefined || dir === "") return undefined;
    const file = path.resolve(dir, `${this.name}.json`);
    await mkdir(path.dirname(file), { recursive: true });
    const record = {
      suite: this.name,
      finishedAt: new Date().toISOString(),
      node: process.version,
      runs: Number(process.env.ZREC_FAULT_RUNS ?? "0") || undefined,
      counts: this.counts,
      ...this.byKind,
      ...extra,
      ...(this.notes.length > 0 ? { notes: this.notes } : {}),
    };
    await writeFile(file, `${JSON.stringify(record, null, 2)}\n`);
    return file;
  }
}
