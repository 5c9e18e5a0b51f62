/**
 * Which hosts a download may be fetched from (config `zoom.allowedDownloadHosts`). A download URL comes
 * from a webhook payload and redirects come from whoever answers it: without this check a crafted payload
 * could make zrec fetch from the cloud metadata address or an internal service.
 */

/**
 * Whether `url` may be fetched: an http or https URL whose host matches one of `patterns`. A pattern is a
 * host name or IP address, matched case-insensitively and whole; `*.zoom.us` matches any subdomain of
 * zoom.us at any depth, but not `zoom.us` itself. A pattern may end in a port (`zoom.us:443`,
 * `[::1]:8080`): it then matches that port only; without one, any port.
 *
 * @example
 * hostAllowed(new URL("https://ssrweb.zoom.us/rec/x"), ["*.zoom.us"]); // true
 * hostAllowed(new URL("https://zoom.us:8443/rec/x"), ["zoom.us:443"]); // false
 * hostAllowed(new URL("https://evilzoom.us/"), ["*.zoom.us"]); // false
 * hostAllowed(new URL("file:///etc/passwd"), ["*.zoom.us"]); // false
 */
export function hostAllowed(url: URL, patterns: readonly string[]): boolean {
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  const host = normalize(url.hostname);
  if (host === "") return false;
  const port = url.port === "" ? (url.protocol === "https:" ? "443" : "80") : url.port;
  return patterns.some((raw) => {
    const pattern = splitPort(raw);
    return (pattern.port === undefined || pattern.port === port) && matches(host, normalize(pattern.host));
  });
}

/**
 * Whether a bearer token (the account's OAuth token can delete recordings) may travel to `url`: over
 * https, or over plain http to this machine only (loopback: the tests, the demo, zoom-sim).
 */
export function bearerAllowed(url: URL): boolean {
  if (url.protocol === "https:") return true;
  if (url.protocol !== "http:") return false;
  const host = normalize(url.hostname);
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** `zoom.us:443` -> zoom.us and 443; `[::1]:80` -> [::1] and 80; a bare IPv6 address has no port. */
function splitPort(pattern: string): { host: string; port?: string } {
  const found = /^(\[[^\]]*\]|[^:]*):(\d{1,5})$/.exec(pattern.trim());
  if (!found?.[1] || !found[2]) return { host: pattern };
  return { host: found[1], port: String(Number(found[2])) };
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
