import { describe, expect, it } from "vitest";
import { defaultConfig } from "../config/defaults.js";
import { bearerAllowed, hostAllowed } from "./host-allowlist.js";

const zoomHosts = defaultConfig.zoom.allowedDownloadHosts;

describe("hostAllowed", () => {
  it.each([
    ["https://zoom.us/rec/download/x", zoomHosts, true],
    ["https://ssrweb.zoom.us/file?sig=1", zoomHosts, true],
    ["https://a.b.zoom.us/", zoomHosts, true],
    ["https://SSRWEB.Zoom.US/x", zoomHosts, true],
    ["https://zoom.us./x", zoomHosts, true],
    ["http://us06web.zoom.us:8443/x", zoomHosts, true],
    ["https://zoom.com/x", zoomHosts, true],
    ["https://evilzoom.us/x", zoomHosts, false],
    ["https://zoom.us.evil.com/x", zoomHosts, false],
    ["https://zoom.us@evil.com/x", zoomHosts, false],
    ["https://evil.com/zoom.us", zoomHosts, false],
    ["http://169.254.169.254/latest/meta-data/", zoomHosts, false],
    ["http://localhost/", zoomHosts, false],
    ["https://zoom.us/x", ["*.zoom.us"], false],
    ["https://x.zoom.us/x", ["ZOOM.US", "*.Zoom.Us"], true],
    ["http://127.0.0.1:4000/x", ["127.0.0.1"], true],
    ["http://2130706433/x", ["127.0.0.1"], true],
    ["http://127.0.0.2/x", ["127.0.0.1"], false],
    ["http://localhost:4000/x", ["127.0.0.1"], false],
    ["http://[::1]:4000/x", ["::1"], true],
    ["http://[::1]:4000/x", ["[::1]"], true],
    ["file:///etc/passwd", ["127.0.0.1", "*.zoom.us", ""], false],
    ["ftp://zoom.us/x", zoomHosts, false],
    ["data:text/plain,zoom.us", zoomHosts, false],
    ["javascript:alert(1)//zoom.us", zoomHosts, false],
    ["https://x.zoom.us/", ["*", "*.", ""], false],
    ["https://x.zoom.us/", [], false],
    // An entry may name a port: then only that port.
    ["http://127.0.0.1:4000/x", ["127.0.0.1:4000"], true],
    ["http://127.0.0.1:4001/x", ["127.0.0.1:4000"], false],
    ["https://zoom.us/x", ["zoom.us:443"], true],
    ["https://zoom.us:8443/x", ["zoom.us:443"], false],
    ["http://zoom.us/x", ["zoom.us:443"], false],
    ["https://a.zoom.us/x", ["*.zoom.us:443"], true],
    ["http://[::1]:4000/x", ["[::1]:4000"], true],
    ["http://[::1]:4001/x", ["[::1]:4000"], false],
  ] as const)("%s with %j -> %s", (url, patterns, expected) => {
    expect(hostAllowed(new URL(url), patterns)).toBe(expected);
  });
});

describe("bearerAllowed", () => {
  it.each([
    ["https://zoom.us/rec/download/x", true],
    ["http://zoom.us/rec/download/x", false],
    ["http://us06web.zoom.us:8080/x", false],
    ["http://127.0.0.1:4000/x", true],
    ["http://127.9.9.9/x", true],
    ["http://localhost:4000/x", true],
    ["http://[::1]:4000/x", true],
    ["http://10.0.0.1/x", false],
  ] as const)("%s -> %s", (url, expected) => {
    expect(bearerAllowed(new URL(url))).toBe(expected);
  });
});
