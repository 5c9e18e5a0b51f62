import type { Config } from "./types.js";

/** The embedded default: everything in ./zrec-data, no AWS needed. Every default lives here, once. */
export const defaultConfig: Config = {
  zoom: {
    accounts: {},
    webhookSecretToken: "",
    maxRequestsPerSecond: 10,
    apiBaseUrl: "https://api.zoom.us/v2",
    oauthUrl: "https://zoom.us/oauth/token",
    allowedDownloadHosts: ["zoom.us", "*.zoom.us", "zoom.com", "*.zoom.com"],
  },
  storage: { type: "fs", root: "./zrec-data" },
  index: { type: "sqlite", path: "./zrec-data/index.db" },
  notify: { type: "outbox", path: "./zrec-data/outbox.jsonl" },
  ingest: {
    minimumDurationMinutes: 0,
    fileConcurrency: 5,
    partSizeMiB: 8,
    partConcurrency: 4,
    trashAfterIngest: false,
    stageTimeBudgetSeconds: null,
    abandonedAfterDays: 7,
  },
  purge: { olderThanDays: null },
  serve: { queuePath: null, concurrency: 2, maxAttempts: 6, retryBaseSeconds: 60 },
  remote: {},
  site: { organizations: null, title: "Recordings", mediaBaseUrl: null },
  organizations: [],
  defaultOrganization: "other",
  timezone: "America/New_York",
  roundMinutes: 5,
};
