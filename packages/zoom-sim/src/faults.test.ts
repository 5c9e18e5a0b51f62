import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ZoomSim } from "./server.js";
import { accessToken, api, cdnUrl, type Json, MiB, readAll, simWithMeeting } from "./test-support.js";
import type { SimFile, SimMeeting } from "./types.js";

describe("zoom-sim faults, as a client sees them", () => {
  let sim: ZoomSim;
  let token: string;
  let file: SimFile;
  let url: string;
  let meetingFiles: SimFile[];

  beforeAll(async () => {
    let meeting: SimMeeting;
    ({ sim, meeting, token } = await simWithMeeting("faults", [
      { fileType: "MP4", size: 3 * MiB + 7 },
      { fileType: "M4A", size: 12 * MiB },
    ]));
    meetingFiles = meeting.files;
    file = meeting.files[0] as SimFile;
    url = await cdnUrl(file.downloadUrl, token);
  });

  afterEach(() => sim.clearFaults());
  afterAll(() => sim.close());

  const get = (range?: string) => fetch(url, range ? { headers: { Range: range } } : {});
  const lastEntry = () => sim.requests.at(-1);

  it("drop: the body stops after afterBytes and the connection is cut", async () => {
    sim.injectFault({ target: "cdn", fileId: file.id, kind: "drop", afterBytes: MiB });
    const dropped = await readAll(await get());
    expect(dropped.error).toBeDefined();
    expect(dropped.bytes.length).toBe(MiB);
    expect(dropped.bytes.equals(sim.fileBytes(file.id, 0, MiB))).toBe(true);
    expect(lastEntry()).toMatchObject({ fault: `drop after ${MiB} bytes`, bytesSent: MiB });
    expect((await readAll(await get())).bytes.length).toBe(file.size);
  });

  it("status: the status, Zoom's error body and Retry-After, for `times` requests after `skip`", async () => {
    sim.injectFault({ target: "cdn", kind: "status", status: 429, retryAfter: "2", times: 2, skip: 1 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await get("bytes=0-9");
      statuses.push(response.status);
      if (response.status === 429) {
        expect(response.headers.get("retry-after")).toBe("2");
        expect(((await response.json()) as Json).code).toBe(429);
      } else await response.arrayBuffer();
    }
    expect(statuses).toEqual([206, 429, 429, 206]);
    expect(sim.requests.filter((entry) => entry.fault?.startsWith("status 429"))).toHaveLength(2);
  });

  it("onlyRanged lets plain requests through; Infinity hits every ranged one", async () => {
    sim.injectFault({
      target: "cdn",
      kind: "status",
      status: 503,
      onlyRanged: true,
      times: Number.POSITIVE_INFINITY,
    });
    const plain = await get();
    expect(plain.status).toBe(200);
    await plain.arrayBuffer();
    for (let i = 0; i < 3; i++) {
      const ranged = await get("bytes=0-1");
      expect(ranged.status).toBe(503);
      await ranged.arrayBuffer();
    }
  });

  it("stall: headers, then nothing for stallMs, then the rest of a correct body", async () => {
    sim.injectFault({ target: "cdn", kind: "stall", stallMs: 300, afterBytes: 1000 });
    const response = await get("bytes=0-99999");
    expect(response.status).toBe(206);
    // Timed from the headers on, chunk by chunk: the stall is the one long gap, and it comes after the
    // first 1000 bytes of the body (a loaded machine stretches every gap, never shortens this one).
    const chunks: Buffer[] = [];
    let received = 0;
    let before = performance.now();
    let stall = { ms: 0, after: 0 };
    for await (const chunk of response.body ?? []) {
      const now = performance.now();
      if (now - before > stall.ms) stall = { ms: now - before, after: received };
      before = now;
      received += chunk.length;
      chunks.push(Buffer.from(chunk as Uint8Array));
    }
    expect(stall.ms).toBeGreaterThan(290);
    expect(stall.after).toBeGreaterThanOrEqual(1000);
    expect(Buffer.concat(chunks).equals(sim.fileBytes(file.id, 0, 100_000))).toBe(true);
    expect(lastEntry()?.fault).toBe("stall 300 ms after 1000 bytes");
  });

  it("ignore-range: a ranged request gets 200 and the whole body", async () => {
    sim.injectFault({ target: "cdn", kind: "ignore-range" });
    const response = await get("bytes=100-199");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-range")).toBeNull();
    expect((await readAll(response)).bytes.length).toBe(file.size);
  });

  it("wrong-size: fewer bytes than Content-Length, then the connection closes", async () => {
    sim.injectFault({ target: "cdn", kind: "wrong-size", bytes: 10 });
    const response = await get("bytes=0-999");
    expect(response.headers.get("content-length")).toBe("1000");
    const { bytes, error } = await readAll(response);
    expect(error).toBeDefined();
    expect(bytes.length).toBe(990);
  });

  it("short-total: Content-Range names a total off by `bytes`", async () => {
    sim.injectFault({ target: "cdn", kind: "short-total", bytes: -1 });
    const plain = await get();
    expect(plain.headers.get("content-range")).toBeNull();
    await plain.arrayBuffer();
    const response = await get("bytes=0-9");
    expect(response.headers.get("content-range")).toBe(`bytes 0-9/${file.size - 1}`);
    await response.arrayBuffer();
  });

  it("applies to the API, OAuth and download URLs too", async () => {
    sim.injectFault({
      target: "api",
      pathIncludes: "/users",
      kind: "status",
      status: 429,
      retryAfter: "Thu, 01 Jan 2099 00:00:00 GMT",
    });
    const limited = await api(sim, token, "/users");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("Thu, 01 Jan 2099 00:00:00 GMT");
    expect((await api(sim, token, "/users")).status).toBe(200);

    sim.injectFault({ target: "oauth", kind: "status", status: 503 });
    await expect(accessToken(sim)).rejects.toThrow(/503/);

    sim.injectFault({ target: "download", fileId: file.id, kind: "status", status: 500 });
    const download = await fetch(file.downloadUrl, {
      headers: { Authorization: `Bearer ${token}` },
      redirect: "manual",
    });
    expect(download.status).toBe(500);

    sim.injectFault({ target: "api", kind: "drop" });
    await expect(api(sim, token, "/users")).rejects.toThrow();
    expect(lastEntry()?.fault).toBe("drop after 0 bytes");
  });

  it("caps each connection separately: neither of two parallel downloads beats 16 MiB/s", async () => {
    const size = 12 * MiB;
    const bigUrl = await cdnUrl(meetingFiles[1]?.downloadUrl ?? "", token);
    sim.setBandwidth(16 * MiB);
    try {
      const timed = async () => {
        const response = await fetch(bigUrl);
        // Timed from the headers on: the cap is on the body, not on connection setup.
        const started = performance.now();
        const { bytes } = await readAll(response);
        expect(bytes.length).toBe(size);
        return (performance.now() - started) / 1000;
      };
      // The first 64 KiB leave at once; the rest are paced.
      const expected = (size - 64 * 1024) / (16 * MiB);
      const [one, two] = await Promise.all([timed(), timed()]);
      // The cap is a ceiling: a busy machine may be slower, never faster. Accuracy is measured in bench/.
      for (const seconds of [one, two]) {
        expect(seconds).toBeGreaterThan(expected * 0.95);
        expect(seconds).toBeLessThan(expected * 4);
      }
    } finally {
      sim.setBandwidth(undefined);
    }
  });
});
