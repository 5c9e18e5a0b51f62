/**
 * On S3 and DynamoDB, `--quiet` and `--json` leave stderr for errors only: the AWS SDK's Node-version
 * warning (eight lines on Node 20) is not printed, even though this test unsets the variable that the
 * other suites use to silence it.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { makeWorkspace, runZrec, useBackends } from "@zrec/test-utils/cli";
import { useZoomSim } from "@zrec/test-utils/zoom-sim";
import { describe, expect, it } from "vitest";

const sim = useZoomSim();
const aws = useBackends("aws");

describe("quiet means quiet on the AWS backends", () => {
  it("ingest --quiet and list --json write nothing on stderr", async () => {
    const ws = await makeWorkspace(sim(), { ingest: { trashAfterIngest: false, partSizeMiB: 5 } }, aws());
    // Empty is how a shell unsets it for one command; zrec must not print the warning then either.
    const env = { ...ws.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "" };
    const meeting = sim().addMeeting({
      topic: "Budget review",
      startTime: "2025-10-31T12:07:29Z",
      durationMinutes: 20,
      files: [{ fileType: "M4A", recordingType: "audio_only", size: 100_000 }],
    });
    await writeFile(join(ws.dir, "webhook.json"), JSON.stringify(sim().recordingEvent(meeting.uuid)));
    const ingest = await runZrec(["ingest", "webhook.json", "--quiet"], { cwd: ws.dir, env });
    expect(ingest.code).toBe(0);
    expect(ingest.stderr).toBe("");
    expect(ingest.stdout).toBe("");
    const list = await runZrec(["list", "--json"], { cwd: ws.dir, env });
    expect(list.code).toBe(0);
    expect(list.stderr).toBe("");
    expect(JSON.parse(list.stdout)[0].recording_id).toBe(meeting.recordingId);
  });
});
