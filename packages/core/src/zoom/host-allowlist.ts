/**
 * Which hosts a download may be fetched from (config `zoom.allowedDownloadHosts`). A download URL comes
 * from a webhook payload and redirects come from whoever answers it: without this check a crafted payload
 * could make zrec fetch from the cloud metadata address or an internal service.
 */

/**
 * Whether `url` may be fetched: an http or https URL whose host matches one of `patterns`. A pattern is a
 * host name or IP address, matched case-insensitively and whole; `*.zoom.us` matches any subdomain of
 * zoom.us at any depth, but not `zoom.us` itself. Ports are not part of a pattern.
 *
 * @example
 * hostAllowed(new URL("https://ssrweb.zoom.us/rec/x"), ["*.zoom.us"]); // true
 * hostAllowed(new URL("https://evilzoom.us/"), ["*.zoom.us"]); // false
 * hostAllowed(new URL("file:///etc/passwd"), ["*.zoom.us"]); // false
 */
export function hostAllowed(url: URL, patterns: readonly string[]): boolean {
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  const host = normalize(url.hostname);
  if (host === "") return false;
  return patterns.some((pattern) => matches(host, normalize(pattern)));
}

function matches(host: string, pattern: string): boolean {
  if (pattern.startsWith("*.")) {
    const suffix = pattern.slice(1);
    return suffix.length > 1 && host.length > suffix.length && host.endsWith(suffix);
  }
  return pattern !== "" && host === pattern;
}

/** `Zoom.US.` and `zoom.us` are one host; `[::1]` (how URL writes IPv6) and `::1` are one address. */
function normalize(host: string): string {
  return host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1")
    .replace(/\.$/, "");
}
