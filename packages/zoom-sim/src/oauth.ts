/**
 * Credentials: Server-to-Server OAuth access tokens (POST /oauth/token) and the download tokens webhook
 * events carry, which are JWTs signed by the sim as Zoom signs its own.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { BodyPlan } from "./respond.js";
import { jsonPlan } from "./respond.js";
import type { SimAccount } from "./types.js";

const OAUTH_SCOPE = "meeting:read:admin recording:read:admin recording:write:admin user:read:admin";
/** The granular scope of GET /accounts/{accountId}/recordings. */
export const ACCOUNT_RECORDINGS_SCOPE = "cloud_recording:read:list_account_recordings:admin";
export const DEFAULT_SCOPES = [...OAUTH_SCOPE.split(" "), ACCOUNT_RECORDINGS_SCOPE];

export type TokenCheck = { ok: true; accountId: string } | { ok: false; reason: "unknown" | "expired" };

export class AccessTokens {
  readonly #tokens = new Map<string, { accountId: string; expiresAt: number }>();

  constructor(public ttlSeconds: number) {}

  issue(accountId: string): string {
    const token = `sim.${randomBytes(32).toString("base64url")}`;
    this.#tokens.set(token, { accountId, expiresAt: Date.now() + this.ttlSeconds * 1000 });
    return token;
  }

  check(token: string): TokenCheck {
    const found = this.#tokens.get(token);
    if (!found) return { ok: false, reason: "unknown" };
    if (found.expiresAt <= Date.now()) return { ok: false, reason: "expired" };
    return { ok: true, accountId: found.accountId };
  }

  knows(token: string): boolean {
    return this.#tokens.has(token);
  }

  /** Every token handed out: tests look for them in places they must never appear. */
  issued(): string[] {
    return [...this.#tokens.keys()];
  }

  expireAll(): void {
    for (const value of this.#tokens.values()) value.expiresAt = Date.now() - 1;
  }
}

export interface DownloadTokenClaims {
  accountId: string;
  /** The meeting uuid the token opens. */
  mid: string;
  userId: string;
  /** Epoch seconds. */
  exp: number;
}

export type DownloadTokenCheck =
  | { ok: true; claims: DownloadTokenClaims }
  | { ok: false; reason: "unknown" | "expired" };

export class DownloadTokens {
  readonly #key = randomBytes(32);

  mint(claims: DownloadTokenClaims): string {
    const header = b64json({ alg: "HS512" });
    const payload = b64json({ iss: "https://event.zoom.us", aud: "https://oauth.zoom.us", ...claims });
    return `${header}.${payload}.${this.#sign(`${header}.${payload}`)}`;
  }

  check(token: string): DownloadTokenCheck {
    const [header, payload, signature, extra] = token.split(".");
    if (!header || !payload || !signature || extra !== undefined) return { ok: false, reason: "unknown" };
    const expected = Buffer.from(this.#sign(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given))
      return { ok: false, reason: "unknown" };
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as DownloadTokenClaims;
    if (claims.exp * 1000 <= Date.now()) return { ok: false, reason: "expired" };
    return { ok: true, claims };
  }

  #sign(data: string): string {
    return createHmac("sha512", this.#key).update(data).digest("base64url");
  }
}

function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

function oauthError(status: number, error: string, reason: string): BodyPlan {
  return jsonPlan(status, { reason, error });
}

/** POST /oauth/token?grant_type=account_credentials&account_id=… with Basic client_id:client_secret. */
export function oauthToken(
  req: IncomingMessage,
  query: URLSearchParams,
  body: string,
  accounts: SimAccount[],
  tokens: AccessTokens,
  apiOrigin: string,
): BodyPlan {
  if (req.method !== "POST") return oauthError(405, "invalid_request", "Method Not Allowed");
  // Zoom reads the parameters from the query string; a form body is accepted too, as Zoom does.
  const form = new URLSearchParams(req.headers["content-type"]?.includes("form") ? body : "");
  const grantType = query.get("grant_type") ?? form.get("grant_type");
  const accountId = query.get("account_id") ?? form.get("account_id");
  const client = basicCredentials(req.headers.authorization);
  const account = accounts.find((a) => a.clientId === client?.id && a.clientSecret === client?.secret);
  if (!account) return oauthError(400, "invalid_client", "Invalid client_id or client_secret");
  if (grantType !== "account_credentials")
    return oauthError(400, "unsupported_grant_type", "unsupported grant type");
  if (!accountId) return oauthError(400, "invalid_request", "Missing account_id");
  if (accountId !== account.accountId) return oauthError(400, "invalid_request", "Invalid account_id");
  return jsonPlan(200, {
    access_token: tokens.issue(account.accountId),
    token_type: "bearer",
    expires_in: tokens.ttlSeconds,
    scope: (account.scopes ?? DEFAULT_SCOPES).join(" "),
    api_url: apiOrigin,
  });
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const match = /^basic\s+(.+)$/i.exec(header ?? "");
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon === -1) return undefined;
  return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/** The bearer token of an Authorization header, if that is what it holds. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1];
}
