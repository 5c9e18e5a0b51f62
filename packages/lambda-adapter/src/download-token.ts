/**
 * Keeping the event's download_token out of Step Functions (issue #12): an execution's input and every
 * state's input and output stay in its history, readable by whoever may describe executions. The
 * starter writes the token to a private object of the archive bucket, under a prefix no recording id
 * can take, named after the execution; the input carries the name instead (`download_token_ref`). The
 * file tasks read the token back, FinishIngest deletes it, and the bucket's lifecycle rule removes what
 * a failed or skipped execution left (the token is useless after 24 hours anyway).
 */
import { isObject, type ObjectStore, type ZoomRecordingEvent } from "@zrec/core/webhook";

/** Under the store's prefix. Recording ids are UUIDs: no recording key starts with a dot. */
export const TOKEN_PREFIX = ".zrec-tokens/";
/** The execution input's field naming the stored token (the execution's name). */
export const TOKEN_REF_FIELD = "download_token_ref";

/** A Step Functions execution name: what a reference may be, so it cannot name another key. */
const REF_PATTERN = /^[A-Za-z0-9_-]{1,80}$/;

export interface TokenStore {
  put(ref: string, token: string): Promise<void>;
  /** Undefined when the object is gone (deleted, expired by the lifecycle rule). */
  get(ref: string): Promise<string | undefined>;
  delete(ref: string): Promise<void>;
}

/**
 * @example
 * const tokens = objectTokenStore(store);
 * await tokens.put("0a7203ad-…-completed-3f9c0a1b2d4e", event.download_token);
 */
export function objectTokenStore(store: ObjectStore): TokenStore {
  return {
    put: async (ref, token) => {
      await store.put(tokenKey(ref), token, { contentType: "text/plain" });
    },
    get: async (ref) => {
      const body = await store.get(tokenKey(ref));
      return body === undefined ? undefined : Buffer.from(body).toString("utf8");
    },
    delete: async (ref) => store.delete(tokenKey(ref)),
  };
}

export function tokenKey(ref: string): string {
  if (!REF_PATTERN.test(ref)) {
    throw new TypeError(`${TOKEN_REF_FIELD} must be an execution name ([A-Za-z0-9_-], at most 80).`);
  }
  return `${TOKEN_PREFIX}${ref}`;
}

/** The execution input: the event without its token, plus the reference when there was one. */
export function executionInput(event: ZoomRecordingEvent, ref: string | undefined): Record<string, unknown> {
  const { download_token: _token, ...rest } = event;
  return ref === undefined ? rest : { ...rest, [TOKEN_REF_FIELD]: ref };
}

/** What a task that passes the execution input on to core leaves out: the reference is no event field. */
export function withoutTokenRef<T>(value: T): T {
  if (!isObject(value) || !(TOKEN_REF_FIELD in value)) return value;
  const { [TOKEN_REF_FIELD]: _ref, ...rest } = value;
  return rest as T;
}
