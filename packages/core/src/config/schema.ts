/**
 * The zod schema of DESIGN.md's configuration block. Every schema and check carries, as its error, the
 * phrase that completes "`<key>` must be …", so issues.ts can say what a key wants without knowing it.
 * Objects are strict: an unknown key is an error, never silently ignored.
 */

import { isObject } from "../validation/is-object.js";
import { defaultConfig } from "./defaults.js";
import * as z from "./zod.js";

/**
 * Lists and account maps are written by hand; thousands of entries are junk. Refusing them before zod
 * looks at each entry keeps a runaway file from costing seconds and a million issues.
 */
const MAX_ENTRIES = 1000;

const ACCOUNT_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const HOST_PHRASE =
  'a host name such as "zoom.us" or "*.zoom.us", optionally with a port as in "zoom.us:443" (no scheme or path)';
/**
 * A host name or IPv4 address, optionally `*.` for any subdomain; IPv6 in brackets; optionally `:port`
 * (1-65535). No scheme or path.
 */
const HOST_PATTERN =
  /^(?:(?:\*\.)?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::(?:[1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5]))?$/i;

function text(phrase = "a non-empty string") {
  return z.string({ error: phrase }).min(1, { error: phrase });
}

/** A number in [min, max]; every way of missing it gets the same phrase, which states the whole rule. */
function number(phrase: string, min: number, max = Number.POSITIVE_INFINITY) {
  return z.number({ error: phrase }).min(min, { error: phrase }).max(max, { error: phrase });
}

function whole(min: number, max: number) {
  const phrase = `a whole number from ${min} to ${max}`;
  return number(phrase, min, max).int({ error: phrase });
}

function httpUrl(phrase = "an http(s) URL") {
  return z.url({ protocol: /^https?$/, error: phrase });
}

/**
 * Where a site built with --out links the media: pages append `{recording_id}/{file}`, so a query or
 * fragment would end up in the middle of every link. Kept as the URL parser writes it (scheme and host
 * in lower case, one trailing slash), which the pages and the CSP's media origin both rely on.
 */
function mediaBaseUrl() {
  const phrase = "an http(s) URL without a query or fragment, or null for links relative to the store";
  return httpUrl(phrase)
    .refine((value) => !value.includes("?") && !value.includes("#"), { error: phrase })
    .transform((value) => {
      const href = new URL(value).href;
      return href.endsWith("/") ? href : `${href}/`;
    });
}

function sizeOf(value: unknown): number | undefined {
  if (Array.isArray(value)) return value.length;
  if (isObject(value)) return Object.keys(value).length;
  return undefined;
}

/** Checks the entry count before `schema` parses the entries (a pipe stops at the first failing half). */
function bounded<T extends z.ZodType>(schema: T, what: string) {
  return z
    .unknown()
    .superRefine((value, ctx) => {
      const size = sizeOf(value);
      if (size !== undefined && size > MAX_ENTRIES) {
        ctx.addIssue({ code: "custom", message: `${what} of at most ${MAX_ENTRIES} entries` });
      }
    })
    .pipe(schema);
}

/**
 * The default needs no check, and checking costs every command 30–60 ms (the first DateTimeFormat with a
 * time zone loads ICU's zone data), most of them never converting a time (issue #18).
 */
function isTimeZone(value: string): boolean {
  if (value === defaultConfig.timezone) return true;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** A block chosen by its `type`: the phrase lists the types so a typo in `type` is easy to spot. */
function tagged<const O extends readonly [z.ZodObject, ...z.ZodObject[]]>(types: string[], options: O) {
  const names = types.map((t) => `"${t}"`).join(" or ");
  return z.discriminatedUnion("type", options, {
    error: (issue) => (issue.code === "invalid_union" ? names : `an object whose "type" is ${names}`),
  });
}

const awsClient = {
  region: text().exactOptional(),
  endpoint: httpUrl().exactOptional(),
  profile: text().exactOptional(),
};

const objectPhrase = (keys: string) => ({ error: `an object with ${keys}` });

const accountSchema = z.strictObject(
  {
    accountId: text(),
    clientId: text(),
    // May come later: only the commands that talk to Zoom need it, and requireZoomAccount says so.
    clientSecret: text().default(""),
    // Optional: an account without its own verifies its app's events with zoom.webhookSecretToken.
    webhookSecretToken: text().exactOptional(),
  },
  objectPhrase("accountId, clientId, clientSecret and optionally webhookSecretToken"),
);

const zoomSchema = z.strictObject(
  {
    accounts: bounded(
      z.record(
        z.string().regex(ACCOUNT_NAME),
        accountSchema,
        objectPhrase('one entry per Zoom account, e.g. "default"'),
      ),
      "an object",
    ),
    webhookSecretToken: z.string({ error: "a string" }),
    maxRequestsPerSecond: number(
      "a number of requests per second, more than 0 and at most 1000",
      0.001,
      1000,
    ),
    apiBaseUrl: httpUrl(),
    oauthUrl: httpUrl(),
    allowedDownloadHosts: bounded(
      z.array(z.string({ error: HOST_PHRASE }).regex(HOST_PATTERN, { error: HOST_PHRASE }).toLowerCase(), {
        error: "a list of host names",
      }),
      "a list",
    ),
  },
  objectPhrase("the Zoom settings"),
);

const storageSchema = tagged(
  ["fs", "s3"],
  [
    z.strictObject({ type: z.literal("fs"), root: text("a directory path") }),
    z.strictObject({
      type: z.literal("s3"),
      bucket: text("a bucket name"),
      // AWS-only defaults are not in defaults.ts, which holds the embedded (filesystem) default only.
      prefix: z.string({ error: "a string" }).default(""),
      ...awsClient,
      forcePathStyle: z.boolean({ error: "true or false" }).default(false),
    }),
  ],
);

const indexSchema = tagged(
  ["sqlite", "dynamodb"],
  [
    z.strictObject({ type: z.literal("sqlite"), path: text("a file path") }),
    z.strictObject({ type: z.literal("dynamodb"), table: text("a table name"), ...awsClient }),
  ],
);

const notifySchema = tagged(
  ["outbox", "sqs", "none"],
  [
    z.strictObject({ type: z.literal("outbox"), path: text("a file path") }),
    z.strictObject({ type: z.literal("sqs"), queueUrl: httpUrl("an http(s) queue URL"), ...awsClient }),
    z.strictObject({ type: z.literal("none") }),
  ],
);

const ingestSchema = z.strictObject(
  {
    minimumDurationMinutes: number("a number of minutes, 0 or more", 0),
    fileConcurrency: whole(1, 64),
    // S3 multipart parts must be at least 5 MiB (all but the last) and at most 5 GiB.
    partSizeMiB: number("a number of at least 5 and at most 5120 (MiB)", 5, 5120),
    partConcurrency: whole(1, 64),
    trashAfterIngest: z.boolean({ error: "true or false" }),
    // A few seconds is enough for a test; 900 is Lambda's own limit.
    stageTimeBudgetSeconds: whole(1, 900).nullable(),
    abandonedAfterDays: whole(1, 3650),
  },
  objectPhrase("the ingest settings"),
);

const retentionPhrase = "a whole number of days, 1 or more, or null (off)";
const purgeSchema = z.strictObject(
  {
    // Deleting by age is irreversible: no upper bound is needed, but 0 or a fraction is surely a mistake.
    olderThanDays: number(retentionPhrase, 1).int({ error: retentionPhrase }).nullable(),
  },
  objectPhrase("olderThanDays"),
);

const serveSchema = z.strictObject(
  {
    queuePath: text("a file path, or null for the default").nullable(),
    concurrency: whole(1, 64),
    maxAttempts: whole(1, 100),
    retryBaseSeconds: whole(1, 3600),
  },
  objectPhrase("queuePath, concurrency, maxAttempts and retryBaseSeconds"),
);

const remoteSchema = z.strictObject(
  {
    startIngestFunction: text("a Lambda function name or ARN").exactOptional(),
    reindexFunction: text("a Lambda function name or ARN").exactOptional(),
    region: text().exactOptional(),
    endpoint: httpUrl().exactOptional(),
    profile: text().exactOptional(),
  },
  objectPhrase("startIngestFunction, reindexFunction, region, endpoint and profile"),
);

const organizationSchema = z.strictObject(
  {
    name: text(),
    match: bounded(
      z
        .array(text(), { error: "a non-empty list of strings to look for in the topic" })
        .min(1, { error: "a non-empty list of strings to look for in the topic" }),
      "a list",
    ),
  },
  objectPhrase('"name" and "match"'),
);

const sitePhrase = "organizations, title and mediaBaseUrl";
const siteSchema = z.strictObject(
  {
    organizations: bounded(
      z.array(text(), { error: "a list of organisation names, or null for every organisation" }),
      "a list",
    ).nullable(),
    title: text("a non-empty title"),
    mediaBaseUrl: mediaBaseUrl().nullable(),
  },
  objectPhrase(sitePhrase),
);

/** The whole configuration, after defaults are merged in; its output is assignable to `Config`. */
export const configSchema = z.strictObject(
  {
    zoom: zoomSchema,
    storage: storageSchema,
    index: indexSchema,
    notify: notifySchema,
    ingest: ingestSchema,
    purge: purgeSchema,
    serve: serveSchema,
    remote: remoteSchema,
    site: siteSchema,
    organizations: bounded(z.array(organizationSchema, { error: "a list of organisation rules" }), "a list"),
    defaultOrganization: text(),
    timezone: z
      .string({ error: 'an IANA time zone name such as "America/New_York"' })
      .refine(isTimeZone, { error: 'an IANA time zone name such as "America/New_York"' }),
    roundMinutes: whole(1, 60),
  },
  objectPhrase("settings"),
);
