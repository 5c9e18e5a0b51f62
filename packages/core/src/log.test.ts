import { describe, expect, it } from "vitest";
import { jsonLogger, MAX_LOG_LINE } from "./log.js";

describe("jsonLogger", () => {
  const lines = () => {
    const written: string[] = [];
    const log = jsonLogger((line) => written.push(line), { now: () => new Date(0) });
    return { written, log };
  };

  it("writes one JSON object per line", () => {
    const { written, log } = lines();
    log({ msg: "job.finished", job: "j1" });
    expect(written).toEqual([
      '{"time":"1970-01-01T00:00:00.000Z","level":"info","msg":"job.finished","job":"j1"}\n',
    ]);
  });

  it("caps a line: a huge field is cut and the line says so", () => {
    const { written, log } = lines();
    log({ level: "error", msg: "job.failed", job: "j1", error: `x${"y".repeat(1_600_000)}` });
    expect(written).toHaveLength(1);
    const line = written[0] ?? "";
    expect(line.length).toBeLessThanOrEqual(MAX_LOG_LINE);
    expect(line.endsWith("\n")).toBe(true);
    const entry = JSON.parse(line);
    expect(entry).toMatchObject({ level: "error", msg: "job.failed", job: "j1", truncated: true });
    expect(entry.error).toMatch(/^xy+… \(\d+ more characters\)$/);
  });

  it("caps a line of many fields", () => {
    const { written, log } = lines();
    const many = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`k${i}`, i]));
    log({ msg: "odd", ...many });
    expect((written[0] ?? "").length).toBeLessThanOrEqual(MAX_LOG_LINE);
    expect(JSON.parse(written[0] ?? "")).toMatchObject({ msg: "odd", truncated: true });
  });
});
