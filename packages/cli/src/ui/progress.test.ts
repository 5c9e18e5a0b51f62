import { describe, expect, it } from "vitest";
import { createProgress, progressEnabled } from "./progress.js";

const terminal = { isTTY: true, columns: 100 };

describe("progressEnabled", () => {
  it("is on only for a person at a terminal", () => {
    const normal = { json: false, quiet: false };
    expect(progressEnabled(normal, terminal, {})).toBe(true);
    expect(progressEnabled({ json: true, quiet: false }, terminal, {})).toBe(false);
    expect(progressEnabled({ json: false, quiet: true }, terminal, {})).toBe(false);
    expect(progressEnabled(normal, { isTTY: false, columns: 100 }, {})).toBe(false);
    expect(progressEnabled(normal, terminal, { CI: "true" })).toBe(false);
    expect(progressEnabled(normal, terminal, { TERM: "dumb" })).toBe(false);
    expect(progressEnabled(normal, { isTTY: true, columns: 0 }, {})).toBe(false);
  });
});

describe("createProgress when disabled", () => {
  it("does nothing but still runs what printAbove is given", async () => {
    const progress = await createProgress({ enabled: false });
    progress.status("x");
    progress.fileStart("a/b.mp4", 10);
    progress.fileProgress("a/b.mp4", 5, 10);
    progress.fileDone("a/b.mp4", 10, false);
    let printed = false;
    progress.printAbove(() => {
      printed = true;
    });
    progress.stop();
    expect(printed).toBe(true);
  });
});
