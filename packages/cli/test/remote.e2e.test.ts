/**
 * `--remote`: ingest and reindex hand their input to the deployed Lambda functions. A stand-in for the
 * Lambda API on 127.0.0.1 receives the real SDK's Invoke requests from the built CLI.
 */
import { once } from "node:events";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runZrec } from "@zrec/test-utils/cli";
import { REAL_EVENT_FILE } from "@zrec/zoom-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const fixture = REAL_EVENT_FILE;
const AWS_ENV = {
  AWS_ACCESS_KEY_ID: "test",
  AWS_SECRET_ACCESS_KEY: "test",
  AWS_REGION: "us-east-1",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};

interface Invocation {
  functionName: string;
  payload: Record<string, unknown>;
}

describe("--remote", () => {
  let server: Server;
  let dir: string;
  const invocations: Invocation[] = [];

  beforeAll(async () => {
    server = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const functionName = decodeURIComponent(
        /functions\/([^/]+)\/invocations/.exec(request.url ?? "")?.[1] ?? "",
      );
      invocations.push({ functionName, payload: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
      if (functionName === "zrec-broken") {
        response.writeHead(200, { "content-type": "application/json", "x-amz-function-error": "Unhandled" });
        response.end(JSON.stringify({ errorType: "zrec.Failed", errorMessage: "DOCUMENT_INVALID: bad" }));
        return;
      }
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ status: "started", execution_name: "0a7203ad-manual-1" }));
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = await mkdtemp(join(tmpdir(), "zrec-remote-"));
    const remote = { startIngestFunction: "zrec-start-ingest", reindexFunction: "zrec-reindex", endpoint };
    await writeFile(join(dir, "zrec.config.json"), JSON.stringify({ remote }));
    await writeFile(
      join(dir, "broken.json"),
      JSON.stringify({ remote: { ...remote, startIngestFunction: "zrec-broken" } }),
    );
    await writeFile(join(dir, "none.json"), JSON.stringify({}));
    await writeFile(join(dir, "webhook.json"), await readFile(fixture, "utf8"));
  });
  afterAll(() => {
    server?.close();
  });

  it("ingest --remote invokes the start-ingest function with the event and prints its answer", async () => {
    const run = await runZrec(["ingest", "webhook.json", "--remote", "--json"], { cwd: dir, env: AWS_ENV });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ status: "started", execution_name: "0a7203ad-manual-1" });
    const sent = invocations.at(-1);
    expect(sent?.functionName).toBe("zrec-start-ingest");
    expect(sent?.payload).toEqual(JSON.parse(await readFile(join(dir, "webhook.json"), "utf8")));
    // Nothing ran here: no local archive was made.
    await expect(readFile(join(dir, "zrec-data", "index.db"))).rejects.toThrow();
  });

  it("reindex --remote invokes the reindex function with the validated document", async () => {
    const document = {
      recording_id: "0a7203ad-04ac-45d8-bd6d-6a778f226c65",
      recording_path: "olf/tech-coordinator-s-personal-meeting-room/2022-01-23T10:30",
      meeting_uuid: "CnIDrQSsRdi9bWp3jyJsZQ==",
      parent_meeting_uuid: "CnIDrQSsRdi9bWp3jyJsZQ==",
      meeting_id: 7816381929,
      meeting_topic: "OLF Tech Coordinator's Personal Meeting Room",
      password: "",
      host_id: "OU54QJ6tRoGM55Rlt8YiQg",
      organization: "OLF",
      start_time: "2022-01-23T15:31:56Z",
      end_time: "2022-01-23T15:34:28Z",
      files: [],
    };
    await writeFile(join(dir, "doc.json"), JSON.stringify(document));
    const run = await runZrec(["reindex", "doc.json", "--remote"], { cwd: dir, env: AWS_ENV });
    expect(run.code).toBe(0);
    expect(invocations.at(-1)).toEqual({ functionName: "zrec-reindex", payload: document });
    const refused = await runZrec(["reindex", "doc.json", "--remote", "--no-notify"], {
      cwd: dir,
      env: AWS_ENV,
    });
    expect(refused.code).toBe(2);
  });

  it("exits 1 naming the function when it fails, and 2 naming the key when none is configured", async () => {
    const failed = await runZrec(["ingest", "webhook.json", "--remote", "--config", "broken.json"], {
      cwd: dir,
      env: AWS_ENV,
    });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/zrec-broken failed: DOCUMENT_INVALID/);
    const missing = await runZrec(["ingest", "webhook.json", "--remote", "--config", "none.json"], {
      cwd: dir,
      env: AWS_ENV,
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/remote\.startIngestFunction/);
  });
});
