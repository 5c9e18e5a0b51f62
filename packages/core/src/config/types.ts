/** The typed, normalised configuration every part of zrec receives. Keys are DESIGN.md's contract. */

export interface ZoomAccount {
  /**
   * Never empty, but for a `default` account that environment variables began and nothing completed,
   * loaded with `incompleteEnvAccount: "defer"`: requireZoomAccount refuses that one.
   */
  accountId: string;
  /** As accountId. */
  clientId: string;
  /** Empty until a command that talks to Zoom needs it (requireZoomAccount asks for it then). */
  clientSecret: string;
  /** The Secret Token of this account's app; absent: `zoom.webhookSecretToken` verifies its events. */
  webhookSecretToken?: string;
}

export interface ZoomConfig {
  /** Named Server-to-Server OAuth apps; `default` is used when an event names no known account. */
  accounts: Record<string, ZoomAccount>;
  /** Verifies the events of every account that has no `webhookSecretToken` of its own. */
  webhookSecretToken: string;
  /** Requests per second to one Zoom account, shared by every request of the process. Default 10. */
  maxRequestsPerSecond: number;
  /** Default `https://api.zoom.us/v2`. */
  apiBaseUrl: string;
  /** Default `https://zoom.us/oauth/token`. */
  oauthUrl: string;
  /** Host names (`*.` for any subdomain) downloads may be fetched from. Default Zoom's own domains. */
  allowedDownloadHosts: string[];
}

export type StorageConfig =
  | { type: "fs"; root: string }
  | {
      type: "s3";
      bucket: string;
      prefix: string;
      region?: string;
      endpoint?: string;
      forcePathStyle: boolean;
      profile?: string;
    };

export type IndexConfig =
  | { type: "sqlite"; path: string }
  | { type: "dynamodb"; table: string; region?: string; endpoint?: string; profile?: string };

export type NotifyConfig =
  | { type: "outbox"; path: string }
  | { type: "sqs"; queueUrl: string; region?: string; endpoint?: string; profile?: string }
  | { type: "none" };

export interface IngestConfig {
  /** Meetings shorter than this (Zoom's `duration`, minutes) are skipped. Default 0. */
  minimumDurationMinutes: number;
  /** Files copied at once per meeting. Default 5. */
  fileConcurrency: number;
  /** Size of each Range request and multipart part. Default 8 MiB. */
  partSizeMiB: number;
  /** Range requests in flight per file. Default 4. */
  partConcurrency: number;
  /** Move the Zoom recording to trash once everything is stored. Default false. */
  trashAfterIngest: boolean;
  /**
   * On Lambda, RetrieveRecording copies for at most this long per invocation (also bounded by the
   * invocation's remaining time less a margin), then returns its checkpoint and is invoked again.
   * Default null: the invocation's remaining time alone.
   */
  stageTimeBudgetSeconds: number | null;
  /** Part folders of interrupted copies that no run came back to are removed after this. Default 7. */
  abandonedAfterDays: number;
}

export interface PurgeConfig {
  /**
   * `purge-old` also deletes recordings without a `disposition` whose start is more than this many days
   * before the day it runs. Default null: off, only recordings whose disposition says so are deleted.
   */
  olderThanDays: number | null;
}

export interface ServeConfig {
  /**
   * The SQLite file of `zrec serve`'s job queue. Default null: the index's file when the index is
   * SQLite, else `zrec-jobs.db` beside the configuration file.
   */
  queuePath: string | null;
  /** Ingest jobs run at once. Default 2. */
  concurrency: number;
  /**
   * Tries of a job that keeps failing for a reason that may pass (network, Zoom 5xx) before it is
   * marked failed. Default 6.
   */
  maxAttempts: number;
  /**
   * Seconds before the second try of such a job; the wait doubles with each try (jittered, at most an
   * hour). Default 60: long enough for Zoom to finish processing a file or lift a 429.
   */
  retryBaseSeconds: number;
}

/** Where `zrec ingest --remote` and `zrec reindex --remote` send their work: the deployed Lambda functions. */
export interface RemoteConfig {
  /** Name or ARN of the stack's start-ingest function (output StartIngestFunctionName). */
  startIngestFunction?: string;
  /** Name or ARN of the stack's reindex function (output ReindexFunctionName). */
  reindexFunction?: string;
  region?: string;
  endpoint?: string;
  profile?: string;
}

/** What `zrec site build` publishes, and how it links to the media. */
export interface SiteConfig {
  /** Organisations (names as in `organizations`) whose recordings are published. Default null: every one. */
  organizations: string[] | null;
  /** Shown on every page. Default "Recordings". */
  title: string;
  /**
   * Where a site written with `--out` finds the media (`{mediaBaseUrl}/{recording_id}/…`). Default null:
   * links relative to the store, for a site inside the store (`{root}/site/`).
   */
  mediaBaseUrl: string | null;
}

export interface OrganizationRule {
  name: string;
  match: string[];
}

export interface Config {
  zoom: ZoomConfig;
  storage: StorageConfig;
  index: IndexConfig;
  notify: NotifyConfig;
  ingest: IngestConfig;
  purge: PurgeConfig;
  serve: ServeConfig;
  remote: RemoteConfig;
  site: SiteConfig;
  organizations: OrganizationRule[];
  /** Default `other`. */
  defaultOrganization: string;
  /** IANA zone the recording_path time is written in. Default `America/New_York`. */
  timezone: string;
  /** recording_path times are rounded to this many minutes. Default 5. */
  roundMinutes: number;
}
