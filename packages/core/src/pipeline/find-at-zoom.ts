/**
 * Where `zrec ingest --uuid` finds a recording: the account named, else the account that archived it,
 * else each configured account in turn (the default first). Only then is a recording Zoom does not
 * answer for "gone": asking one account of several called another account's recording trashed, and
 * reported a half-archived one as archived.
 */
import { type NamedZoomAccount, requireZoomAccount } from "../config/accounts.js";
import { RecordingGone, ZoomApiError } from "../errors.js";
import type { RecordingDocument } from "../recording/document.js";
import { recordingIdFromUuid } from "../zoom/ids.js";
import type { ZoomMeetingRecordings } from "../zoom/types.js";
import type { PipelineDeps } from "./deps.js";

export type FoundAtZoom =
  | { found: "zoom"; account: NamedZoomAccount; meeting: ZoomMeetingRecordings }
  /** No account asked holds it, but the archive does: trashed after it was archived, or deleted. */
  | { found: "archive"; account: string; document: RecordingDocument; asked: string[] };

/**
 * @throws RecordingGone when no account asked holds it and the archive does not either; ConfigError
 *   for an account that is not configured or lacks its secret.
 * @example
 * const where = await findAtZoom(deps, "JBsMlrqB5IeU+WgyF/TGyw==", options.account);
 */
export async function findAtZoom(
  deps: Pick<PipelineDeps, "config" | "zoom" | "backends">,
  uuid: string,
  accountName?: string,
): Promise<FoundAtZoom> {
  const recordingId = recordingIdFromUuid(uuid);
  const archived = await deps.backends.index.get(recordingId);
  const configured = Object.keys(deps.config.zoom.accounts);
  const first =
    accountName ??
    (archived?.zoom_account && configured.includes(archived.zoom_account)
      ? archived.zoom_account
      : undefined);
  const names =
    first !== undefined ? [first] : ["default", ...configured].filter((n) => configured.includes(n));
  // No account at all: refused here, with the sentence that says how to add one.
  if (names.length === 0) requireZoomAccount(deps.config);
  const asked: string[] = [];
  let gone: unknown;
  let unusable: unknown;
  for (const name of new Set(names)) {
    let account: NamedZoomAccount;
    try {
      account = requireZoomAccount(deps.config, name);
    } catch (error) {
      // Searching every account: one that lacks its secret is passed over, unless none can be asked.
      if (first !== undefined) throw error;
      unusable ??= error;
      continue;
    }
    asked.push(account.name);
    try {
      return { found: "zoom", account, meeting: await deps.zoom(account.name).getMeetingRecordings(uuid) };
    } catch (error) {
      if (!(error instanceof ZoomApiError && error.status === 404)) throw error;
      gone = error;
    }
  }
  if (asked.length === 0) throw unusable;
  if (archived) return { found: "archive", account: asked[0] as string, document: archived, asked };
  const several =
    asked.length > 1 ? { suggestion: `None of the accounts asked holds it: ${asked.join(", ")}.` } : {};
  throw new RecordingGone(recordingId, { cause: gone, ...several });
}
