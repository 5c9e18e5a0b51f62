/**
 * Host-chosen text reaches the operator's terminal and cron logs: a topic with escape sequences must
 * not retitle or clear the terminal, nor forge a line, in any human-readable output; `--json` stays
 * exact JSON with the topic as it was.
 */

import {
  type ArchiveWorkspace,
  legacyDocument,
  makeArchiveWorkspace,
  putLegacyRecording,
  startBackends,
  type TestBackends,
} from "@zrec/test-utils/cli";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const HOSTILE = "Board\u001b]0;pwned\u0007\u001b[2J\r\nzrec: 0 failed\u009b31m\u007f";
// No control character but the newlines zrec itself writes.
const hasControl = (text: string) =>
  [...text].some((c) => {
    const code = c.codePointAt(0) ?? 0;
    return (code < 0x20 && c !== "\n") || (code >= 0x7f && code <= 0x9f);
  });

describe("host-chosen text in human output", () => {
  let backends: TestBackends;
  let ws: ArchiveWorkspace;
  const due = legacyDocument({
    meeting_topic: HOSTILE,
    disposition: { action: "delete", after: "2025-01-31" },
  });

  beforeAll(async () => {
    backends = await startBackends("embedded");
    ws = await makeArchiveWorkspace(backends);
    await ws.archive(async (archive) => {
      await putLegacyRecording(archive, due, { index: true });
    });
  });
  afterAll(async () => {
    await Promise.all([backends?.close(), ws?.remove()]);
  });

  it("purge-old shows a topic's control characters escaped, and --json keeps it exact", async () => {
    const run = await ws.zrec("purge-old", "--as-of", "2025-02-01");
    expect(run.code, run.stderr).toBe(0);
    expect(hasControl(run.stdout)).toBe(false);
    expect(run.stdout.split("\n").some((line) => line.startsWith("zrec: 0 failed"))).toBe(false);
    expect(run.stdout).toContain("Board\\x1b]0;pwned\\x07\\x1b[2J\\r\\nzrec: 0 failed");

    const json = await ws.zrec("purge-old", "--dry-run", "--as-of", "2025-02-01", "--json");
    expect(JSON.parse(json.stdout).candidates[0].meeting_topic).toBe(HOSTILE);
  });
});
