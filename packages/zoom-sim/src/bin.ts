#!/usr/bin/env node
/**
 * zoom-sim [--port N] [--cdn-port N] [--bandwidth MiBps] [--sample] [--scenario FILE.json] [--events DIR]
 *          [--zrec-config FILE]
 *
 * Runs the sim until SIGINT/SIGTERM. Prints one JSON object on stdout: where it listens, the account's
 * credentials and webhook secret, with --sample a sample meeting and its webhook event, and with
 * --scenario the scenario's meetings (see scenario.ts). --events writes each meeting's
 * recording.completed event to DIR/{recordingId}.json, ready for `zrec ingest`. --zrec-config writes a
 * zrec.config.json that talks to this sim (written last: once it exists, the sim is ready).
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { describeMeeting, parseScenario, ScenarioError } from "./scenario.js";
import { startZoomSim, type ZoomSim } from "./server.js";
import type { SimMeeting } from "./types.js";

const USAGE =
  "usage: zoom-sim [--port N] [--cdn-port N] [--bandwidth MiBps] [--sample] [--scenario FILE.json] [--events DIR] [--zrec-config FILE]";
const MiB = 1024 * 1024;

function portOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--${name} must be a port number`);
  return port;
}

class UsageError extends Error {}

/** Modelled on a real recording.completed event: an M4A, an MP4 and a TIMELINE without id or size. */
function addSample(sim: ZoomSim) {
  sim.addUser({ id: "OU54QJ6tRoGM55Rlt8YiQg", email: "olf_tech_coordinator@example.org" });
  return sim.addMeeting({
    id: 7816381929,
    topic: "OLF Tech Coordinator's Personal Meeting Room",
    hostId: "OU54QJ6tRoGM55Rlt8YiQg",
    type: 4,
    startTime: "2022-01-23T15:31:56Z",
    durationMinutes: 2,
    password: "+6gCkMFr",
    files: [
      {
        fileType: "M4A",
        recordingType: "audio_only",
        size: 2 * MiB + 120_234,
        recordingStart: "2022-01-23T15:32:05Z",
      },
      {
        fileType: "MP4",
        recordingType: "shared_screen_with_speaker_view",
        size: 5 * MiB + 12_345,
        recordingStart: "2022-01-23T15:32:05Z",
      },
      { fileType: "TIMELINE", size: 4_096, recordingStart: "2022-01-23T15:32:05Z" },
    ],
  });
}

/**
 * A zrec configuration for trying zrec against this sim by hand: its account (secret included: these
 * are the sim's, not anyone's), its URLs, downloads from 127.0.0.1 and its webhook secret. Written to a
 * temporary name and renamed, so a reader never sees half of it.
 */
async function writeZrecConfig(sim: ZoomSim, file: string): Promise<void> {
  const account = sim.accounts[0];
  const config = {
    zoom: {
      accounts: account
        ? {
            default: {
              accountId: account.accountId,
              clientId: account.clientId,
              clientSecret: account.clientSecret,
            },
          }
        : {},
      webhookSecretToken: sim.webhookSecretToken,
      apiBaseUrl: sim.apiBaseUrl,
      oauthUrl: sim.oauthUrl,
      allowedDownloadHosts: ["127.0.0.1"],
    },
  };
  await writeFile(`${file}.tmp`, `${JSON.stringify(config, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}

async function readScenario(file: string) {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new UsageError(`--scenario ${file} cannot be read: ${(error as Error).message}`);
  }
  try {
    return parseScenario(JSON.parse(text));
  } catch (error) {
    if (error instanceof ScenarioError) throw new UsageError(`${file}: ${error.message}`);
    throw new UsageError(`--scenario ${file} is not valid JSON: ${(error as Error).message}`);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      "cdn-port": { type: "string" },
      bandwidth: { type: "string" },
      sample: { type: "boolean", default: false },
      scenario: { type: "string" },
      events: { type: "string" },
      "zrec-config": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  let bandwidth: number | undefined;
  if (values.bandwidth !== undefined) {
    const mibps = Number(values.bandwidth);
    if (!(mibps > 0)) throw new UsageError("--bandwidth must be a positive number of MiB per second");
    bandwidth = mibps * MiB;
  }
  const scenario = values.scenario === undefined ? undefined : await readScenario(values.scenario);
  const port = portOption(values.port, "port");
  const cdnPort = portOption(values["cdn-port"], "cdn-port");
  const sim = await startZoomSim({
    ...(port !== undefined ? { port } : {}),
    ...(cdnPort !== undefined ? { cdnPort } : {}),
    ...(bandwidth !== undefined ? { bandwidthBytesPerSecond: bandwidth } : {}),
  });
  const output: Record<string, unknown> = {
    apiBaseUrl: sim.apiBaseUrl,
    oauthUrl: sim.oauthUrl,
    cdnOrigin: sim.cdnOrigin,
    accounts: sim.accounts,
    webhookSecretToken: sim.webhookSecretToken,
  };
  if (values.sample) {
    const meeting = addSample(sim);
    output.sample = {
      uuid: meeting.uuid,
      recordingId: meeting.recordingId,
      files: meeting.files.map((file) => ({ id: file.id, fileType: file.fileType, size: file.size })),
    };
    output.event = sim.recordingEvent(meeting.uuid);
  }
  const added: SimMeeting[] = [];
  if (scenario) {
    for (const user of scenario.users) sim.addUser(user);
    for (const meeting of scenario.meetings) added.push(sim.addMeeting(meeting));
    output.meetings = added.map(describeMeeting);
  }
  if (values.events !== undefined) {
    await mkdir(values.events, { recursive: true });
    for (const meeting of added) {
      const file = path.join(values.events, `${meeting.recordingId}.json`);
      await writeFile(file, `${JSON.stringify(sim.recordingEvent(meeting.uuid), null, 2)}\n`);
    }
    output.events = values.events;
  }
  const configFile = values["zrec-config"];
  if (configFile !== undefined) await writeZrecConfig(sim, configFile);

  // Before anything is printed: whoever reads the output may stop the sim at once, and a SIGTERM
  // that arrived before the handler would end the process by the signal, not with exit 0.
  const stop = () => {
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
}

main().catch((error: unknown) => {
  const usage =
    error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
  process.stderr.write(`zoom-sim: ${error instanceof Error ? error.message : String(error)}\n`);
  if (usage) process.stderr.write(`${USAGE}\n`);
  process.exit(usage ? 2 : 1);
});
