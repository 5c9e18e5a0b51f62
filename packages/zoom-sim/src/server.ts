/** startZoomSim: two HTTP servers on 127.0.0.1 (API + downloads, and the CDN) around one simulated account. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createApiHandler } from "./api.js";
import { CdnSigner, createCdnHandler } from "./cdn.js";
import { contentBytes, contentSha256 } from "./content.js";
import { EventBuilder, signWebhook, urlValidationEvent } from "./events.js";
import { FaultBook } from "./faults.js";
import { AccessTokens, DownloadTokens } from "./oauth.js";
import { type BearerClassifier, RequestLog } from "./request-log.js";
import { SimState } from "./state.js";
import type {
  FaultRule,
  RecordingEventOptions,
  RequestLogEntry,
  SignedWebhook,
  SimAccount,
  SimMeeting,
  SimMeetingSpec,
  SimUser,
  SimUserSpec,
  TrashCall,
  ZoomSimOptions,
} from "./types.js";

/** The only address the sim ever binds: it is a test double, never a service on a network. */
const HOST = "127.0.0.1";

export const DEFAULT_ACCOUNT: SimAccount = {
  accountId: "sim-account",
  clientId: "sim-client",
  clientSecret: "sim-secret",
};

/**
 * A running Zoom stand-in. Made by {@link startZoomSim}.
 */
export class ZoomSim {
  /** `http://127.0.0.1:P/v2` */
  readonly apiBaseUrl: string;
  /** `http://127.0.0.1:P/oauth/token` */
  readonly oauthUrl: string;
  /** `http://127.0.0.1:Q`: where download URLs redirect to. */
  readonly cdnOrigin: string;
  readonly accounts: SimAccount[];
  readonly webhookSecretToken: string;
  /** Every request either server saw, in arrival order. */
  readonly requests: RequestLogEntry[];
  /** Every DELETE …/recordings that named a meeting of the caller's account. */
  readonly trashCalls: TrashCall[] = [];

  readonly #servers: Server[];
  readonly #state: SimState;
  readonly #faults = new FaultBook();
  readonly #accessTokens: AccessTokens;
  readonly #events: EventBuilder;
  readonly #shaCache = new Map<string, Promise<string>>();
  #bandwidth: number | undefined;

  /** @internal use startZoomSim */
  constructor(
    options: Required<Pick<ZoomSimOptions, "accounts" | "webhookSecretToken" | "tokenTtlSeconds">> & {
      bandwidthBytesPerSecond: number | undefined;
      apiServer: Server;
      cdnServer: Server;
    },
  ) {
    const apiOrigin = originOf(options.apiServer);
    this.apiBaseUrl = `${apiOrigin}/v2`;
    this.oauthUrl = `${apiOrigin}/oauth/token`;
    this.cdnOrigin = originOf(options.cdnServer);
    this.accounts = options.accounts;
    this.webhookSecretToken = options.webhookSecretToken;
    this.#bandwidth = options.bandwidthBytesPerSecond;
    this.#servers = [options.apiServer, options.cdnServer];
    this.#state = new SimState(options.accounts, apiOrigin);
    this.#accessTokens = new AccessTokens(options.tokenTtlSeconds);
    const downloadTokens = new DownloadTokens();
    this.#events = new EventBuilder(this.#state, downloadTokens);
    const log = new RequestLog();
    this.requests = log.entries;
    const classify: BearerClassifier = (token) => {
      if (this.#accessTokens.knows(token)) return "bearer-oauth";
      const check = downloadTokens.check(token);
      return check.ok || check.reason === "expired" ? "bearer-download-token" : "other";
    };
    const signer = new CdnSigner(this.cdnOrigin);
    options.apiServer.on(
      "request",
      createApiHandler({
        state: this.#state,
        log,
        faults: this.#faults,
        accessTokens: this.#accessTokens,
        downloadTokens,
        signer,
        classify,
        trashCalls: this.trashCalls,
      }),
    );
    options.cdnServer.on(
      "request",
      createCdnHandler({
        state: this.#state,
        signer,
        log,
        faults: this.#faults,
        classify,
        bandwidth: () => this.#bandwidth,
      }),
    );
  }

  /** Adds a user to an account (default the first). */
  addUser(spec: SimUserSpec): SimUser {
    return this.#state.addUser(spec);
  }

  /** Adds a meeting instance with its recording files; returns it with the recording object Zoom would answer. */
  addMeeting(spec: SimMeetingSpec): SimMeeting {
    return this.#state.addMeeting(spec);
  }

  /** Changes a file's status, e.g. from "processing" to "completed" once "Zoom" has finished it. */
  setFileStatus(fileId: string, status: string): void {
    const { file, meeting } = this.#state.requireFile(fileId);
    file.status = status;
    meeting.recording = this.#state.recordingJson(meeting);
  }

  /** Moves a meeting's recordings to the trash (or deletes them), as someone at Zoom might: the API answers 404 for them from then on. */
  trash(uuid: string, action: "trash" | "delete" = "trash"): void {
    this.#state.requireMeeting(uuid);
    this.#state.gone.set(uuid, action);
  }

  /** A meeting added earlier, by instance uuid. */
  meeting(uuid: string): SimMeeting | undefined {
    return this.#state.meetings.get(uuid);
  }

  /**
   * A webhook body as Zoom sends it, with a download_token the sim accepts for this meeting's downloads.
   * @example sim.recordingEvent(meeting.uuid, { downloadTokenExpiresAt: new Date(Date.now() - 1000) })
   */
  recordingEvent(meetingUuid: string, options: RecordingEventOptions = {}): Record<string, unknown> {
    return this.#events.recordingEvent(this.#state.requireMeeting(meetingUuid), options);
  }

  /** The endpoint.url_validation body Zoom posts to check a webhook endpoint. */
  urlValidationEvent(plainToken = "sim-plain-token"): Record<string, unknown> {
    return urlValidationEvent(plainToken);
  }

  /**
   * Raw body and headers signed as the app of `accountId` (default: the account `payload.account_id`
   * names) signs them: with that account's own webhookSecretToken, else the sim's. `timestamp` in epoch
   * seconds, default now.
   */
  signedWebhook(body: object, options: { timestamp?: number; accountId?: string } = {}): SignedWebhook {
    return signWebhook(
      this.webhookSecretFor(options.accountId ?? accountIdOf(body)),
      body,
      options.timestamp,
    );
  }

  /** The Secret Token of the app of `accountId`: its own, else the sim's `webhookSecretToken`. */
  webhookSecretFor(accountId: string | undefined): string {
    const account = this.accounts.find((a) => a.accountId === accountId);
    return account?.webhookSecretToken ?? this.webhookSecretToken;
  }

  /** Hex sha256 of a file's whole content, computed streaming (and remembered). */
  expectedSha256(fileId: string): Promise<string> {
    let hash = this.#shaCache.get(fileId);
    if (!hash) {
      hash = contentSha256(fileId, this.#state.requireFile(fileId).file.size);
      this.#shaCache.set(fileId, hash);
    }
    return hash;
  }

  /** A copy of a file's bytes [start, endExclusive). */
  fileBytes(fileId: string, start: number, endExclusive: number): Buffer {
    this.#state.requireFile(fileId);
    return contentBytes(fileId, start, endExclusive);
  }

  /** Adds a fault rule; rules are tried in the order they were added. */
  injectFault(rule: FaultRule): void {
    this.#faults.inject(rule);
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  /** Caps each CDN connection at this many bytes per second, from the next piece of every body; undefined uncaps. */
  setBandwidth(bytesPerSecond: number | undefined): void {
    this.#bandwidth = bytesPerSecond;
  }

  /** Every OAuth access token handed out, to check none leaked into output or storage. */
  issuedAccessTokens(): string[] {
    return this.#accessTokens.issued();
  }

  /** Makes every issued access token expired: the next API call answers 401 code 124. */
  expireAccessTokens(): void {
    this.#accessTokens.expireAll();
  }

  /** Stops both servers, cutting any connection still open (a stalled body, a keep-alive socket). */
  async close(): Promise<void> {
    await Promise.all(
      this.#servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
  }
}

/**
 * Starts the sim on 127.0.0.1.
 * @example
 * const sim = await startZoomSim();
 * const meeting = sim.addMeeting({ topic: "Weekly", startTime: "2024-07-04T17:00:00Z", durationMinutes: 30,
 *   files: [{ fileType: "MP4", size: 8 * 1024 * 1024 }] });
 * const event = sim.recordingEvent(meeting.uuid);
 * await sim.close();
 */
export async function startZoomSim(options: ZoomSimOptions = {}): Promise<ZoomSim> {
  const accounts = (options.accounts ?? [DEFAULT_ACCOUNT]).map((account) => ({ ...account }));
  if (accounts.length === 0) throw new TypeError("zoom-sim: give at least one account");
  const apiServer = createServer();
  const cdnServer = createServer();
  try {
    await listen(apiServer, options.port ?? 0);
    await listen(cdnServer, options.cdnPort ?? 0);
  } catch (error) {
    apiServer.close();
    cdnServer.close();
    throw error;
  }
  return new ZoomSim({
    accounts,
    webhookSecretToken: options.webhookSecretToken ?? "sim-webhook-secret-token",
    tokenTtlSeconds: options.tokenTtlSeconds ?? 3600,
    bandwidthBytesPerSecond: options.bandwidthBytesPerSecond,
    apiServer,
    cdnServer,
  });
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, HOST, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function originOf(server: Server): string {
  const address = server.address() as AddressInfo;
  return `http://${HOST}:${address.port}`;
}

function accountIdOf(body: object): string | undefined {
  const payload = (body as { payload?: { account_id?: unknown } }).payload;
  return typeof payload?.account_id === "string" ? payload.account_id : undefined;
}
