import { isObject } from "../validation/is-object.js";

/**
 * The Zoom account a recording event is from: `payload.account_id`, else `payload.object.account_id`
 * (the host's account). One rule for the webhook's signature check and for the ingest that uses that
 * account's credentials: when the two read different fields, an event signed by one account's app and
 * naming another only in `object.account_id` had the other account's recording fetched and trashed.
 * @example
 * const { name } = accountForZoomAccountId(config, eventAccountId(event.payload));
 */
export function eventAccountId(payload: unknown): string | undefined {
  if (!isObject(payload)) return undefined;
  if (typeof payload.account_id === "string" && payload.account_id !== "") return payload.account_id;
  const object = payload.object;
  if (isObject(object) && typeof object.account_id === "string" && object.account_id !== "") {
    return object.account_id;
  }
  return undefined;
}
