import { spawn } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Json } from "./test-support.js";

const bin = fileURLToPath(new URL("./bin.ts", import.meta.url));

function start(args: string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", bin, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const output = new Promise<Json>((resolve, reject) => {
    child.stdout.on("data", () => {
      try {
        resolve(JSON.parse(stdout));
      } catch {
        // Not all of it yet.
      }
    });
    child.on("close", () => reject(new Error(`zoom-sim exited: ${stderr}`)));
  });
  // A run that is expected to fail never prints: its rejection is nobody's business.
  output.catch(() => undefined);
  return { child, output, exited, stderr: () => stderr };
}

describe("the zoom-sim command", () => {
  it("prints where it listens, the credentials and a sample event, serves it, and stops on SIGTERM", async () => {
    const sim = start(["--sample", "--bandwidth", "512"]);
    try {
      const out = await sim.output;
      expect(out.apiBaseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2$/);
      expect(out.oauthUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth\/token$/);
      expect(out.accounts[0]).toMatchObject({ accountId: "sim-account", clientId: "sim-client" });
      expect(typeof out.webhookSecretToken).toBe("string");
      const object = out.event.payload.object;
      expect(object.topic).toBe("OLF Tech Coordinator's Personal Meeting Room");
      expect(object.recording_files.map((file: { file_type: string }) => file.file_type)).toEqual([
        "M4A",
        "MP4",
        "TIMELINE",
      ]);
      expect(object.recording_files[2]).not.toHaveProperty("file_size");

      const download = await fetch(object.recording_files[0].download_url, {
        headers: { Authorization: `Bearer ${out.event.download_token}`, Range: "bytes=0-99" },
      });
      expect(download.status).toBe(206);
      expect((await download.arrayBuffer()).byteLength).toBe(100);
    } finally {
      sim.child.kill("SIGTERM");
    }
    expect(await sim.exited).toBe(0);
  });

  it("starts with the users and meetings of --scenario and writes their events to --events", async () => {
    const dir = await mkdtemp(join(tmpdir(), "zoom-sim-scenario-"));
    const scenario = {
      users: [{ id: "host-1", email: "host@example.org" }],
      meetings: [
        {
          topic: "FOLIO Sys Ops & Management SIG",
          hostId: "host-1",
          startTime: "2025-03-05T15:00:00Z",
          durationMinutes: 45,
          files: [{ fileType: "M4A", size: 1000 }],
        },
      ],
    };
    await writeFile(join(dir, "scenario.json"), JSON.stringify(scenario));
    const sim = start(["--scenario", join(dir, "scenario.json"), "--events", join(dir, "events")]);
    try {
      const out = await sim.output;
      expect(out.meetings).toHaveLength(1);
      expect(out.meetings[0]).toMatchObject({ topic: "FOLIO Sys Ops & Management SIG" });
      const event = JSON.parse(
        await readFile(join(dir, "events", `${out.meetings[0].recordingId}.json`), "utf8"),
      );
      expect(event.payload.object.uuid).toBe(out.meetings[0].uuid);
    } finally {
      sim.child.kill("SIGTERM");
    }
    expect(await sim.exited).toBe(0);

    await writeFile(join(dir, "bad.json"), JSON.stringify({ meetings: [{ topic: "x", startTime: "y" }] }));
    const bad = start(["--scenario", join(dir, "bad.json")]);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toMatch(/"meetings\[0\]\.durationMinutes" should be a number/);
  });

  it("exits 2 on bad usage", async () => {
    const sim = start(["--port", "nope"]);
    expect(await sim.exited).toBe(2);
    expect(sim.stderr()).toMatch(/--port/);
  });
});
