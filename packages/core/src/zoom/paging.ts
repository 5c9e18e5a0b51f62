/**
 * How Zoom's lists are walked: page by page with `next_page_token`, and, for recordings, one calendar
 * month at a time, because Zoom silently clamps a longer `from`/`to` window to one month.
 */
import { InputError, ZoomApiError } from "../errors.js";

/** Zoom's maximum page size: fewer requests against the rate limit. */
export const PAGE_SIZE = 300;

export interface Page<T> {
  items: T[];
  /** Empty or absent on the last page. */
  next?: string | undefined;
}

/**
 * Yields every item of every page, fetching the next page only when the previous one is used up.
 *
 * @example
 * for await (const user of pages((token) => getUsersPage(token))) console.log(user.id);
 */
export async function* pages<T>(
  fetchPage: (pageToken: string | undefined) => Promise<Page<T>>,
): AsyncGenerator<T> {
  const seen = new Set<string>();
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    yield* page.items;
    token = page.next || undefined;
    // A server that hands back a token it gave before would keep us here forever.
    if (token !== undefined) {
      if (seen.has(token))
        throw new ZoomApiError("Zoom sent a next_page_token it had sent before; stopped paging.");
      seen.add(token);
    }
  } while (token !== undefined);
}

export interface DateWindow {
  /** UTC date `YYYY-MM-DD`, inclusive. */
  from: string;
  /** UTC date `YYYY-MM-DD`, inclusive. */
  to: string;
}

/**
 * Splits `from`..`to` (UTC calendar days, both inclusive) at calendar month boundaries, so that no window
 * is longer than one month.
 *
 * @throws InputError when a date is invalid or `from` is after `to`.
 * @example
 * monthWindows(new Date("2024-01-15"), new Date("2024-03-10"));
 * // [{ from: "2024-01-15", to: "2024-01-31" }, { from: "2024-02-01", to: "2024-02-29" },
 * //  { from: "2024-03-01", to: "2024-03-10" }]
 */
export function monthWindows(from: Date, to: Date): DateWindow[] {
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) {
    throw new InputError("A recordings window needs valid from and to dates.");
  }
  const last = isoDate(to);
  let start = isoDate(from);
  if (start > last) throw new InputError(`The recordings window starts (${start}) after it ends (${last}).`);

  const windows: DateWindow[] = [];
  for (;;) {
    const [year, month] = start.split("-").map(Number) as [number, number];
    // Day 0 of the next month is the last day of this one.
    const monthEnd = isoDate(new Date(Date.UTC(year, month, 0)));
    if (monthEnd >= last) {
      windows.push({ from: start, to: last });
      return windows;
    }
    windows.push({ from: start, to: monthEnd });
    start = isoDate(new Date(Date.UTC(year, month, 1)));
  }
}

function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}
