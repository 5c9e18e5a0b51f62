import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { thrownBy } from "@zrec/test-utils/thrown";
import { REAL_EVENT_FILE } from "@zrec/zoom-sim";
import { describe, expect, it } from "vitest";
import { ConfigError, InputError, WebhookRejected } from "../errors.js";
import { handleWebhook, parseRecordingEvent, signWebhook, verifyWebhook } from "./webhook.js";

const fixtureText = readFileSync(REAL_EVENT_FILE, "utf8");
const fixture = JSON.parse(fixtureText) as Record<string, unknown>;

const secret = "s3cr3t-webhook-token-value";
const nowSeconds = 1_700_000_000;
const now = nowSeconds * 1000;

/** HMAC computed here independently of webhook.ts. */
function hmacHex(key: string, message: string | Buffer): string {
  return createHmac("sha256", key).update(message).digest("hex");
}

function signedRequest(body: string, timestamp: number | string = nowSeconds) {
  const stamp = String(timestamp);
  const headers = {
    "x-zm-signature": `v0=${hmacHex(secret, `v0:${stamp}:${body}`)}`,
    "x-zm-request-timestamp": stamp,
  };
  return { headers, rawBody: body, secret, now };
}

const rejection = (run: () => unknown) => thrownBy(WebhookRejected, run);

describe("signWebhook", () => {
  it("signs like Zoom: v0= + hex HMAC-SHA256 of v0:{timestamp}:{body}", () => {
    expect(signWebhook(fixtureText, secret, nowSeconds)).toEqual(signedRequest(fixtureText).headers);
    expect(signWebhook(Buffer.from(fixtureText), secret, String(nowSeconds))).toEqual(
      signedRequest(fixtureText).headers,
    );
  });
});

describe("verifyWebhook", () => {
  it("accepts a correctly signed request, header names in any case", () => {
    const request = signedRequest(fixtureText);
    expect(() => verifyWebhook(request)).not.toThrow();
    const shouting = {
      "X-ZM-Signature": request.headers["x-zm-signature"],
      "X-Zm-Request-Timestamp": [request.headers["x-zm-request-timestamp"]],
    };
    expect(() => verifyWebhook({ ...request, headers: shouting })).not.toThrow();
  });

  it("checks the raw bytes: a Buffer body, also one that is not ASCII", () => {
    const body = JSON.stringify({
      event: "recording.completed",
      payload: { object: { topic: "Café Über — ☕" } },
    });
    const request = signedRequest(body);
    expect(() => verifyWebhook({ ...request, rawBody: Buffer.from(body, "utf8") })).not.toThrow();
    expect(() =>
      verifyWebhook({ ...request, rawBody: new Uint8Array(Buffer.from(body, "utf8")) }),
    ).not.toThrow();
    const reencoded = Buffer.from(JSON.stringify(JSON.parse(body), null, 2));
    expect(rejection(() => verifyWebhook({ ...request, rawBody: reencoded })).status).toBe(401);
  });

  it("rejects a wrong signature or a changed body", () => {
    const request = signedRequest(fixtureText);
    const wrongSecret = { ...request, headers: signWebhook(fixtureText, "another-secret", nowSeconds) };
    const error = rejection(() => verifyWebhook(wrongSecret));
    expect(error.status).toBe(401);
    expect(error.message).toMatch(/does not match/);
    expect(rejection(() => verifyWebhook({ ...request, rawBody: `${fixtureText} ` })).status).toBe(401);
    const short = { ...request.headers, "x-zm-signature": "v0=abc" };
    expect(rejection(() => verifyWebhook({ ...request, headers: short })).message).toMatch(/does not match/);
  });

  it("rejects missing headers, saying which", () => {
    const { headers, ...rest } = signedRequest(fixtureText);
    const noSignature = rejection(() =>
      verifyWebhook({ ...rest, headers: { "x-zm-request-timestamp": "1" } }),
    );
    expect(noSignature.status).toBe(401);
    expect(noSignature.message).toMatch(/no x-zm-signature header/);
    const noTimestamp = rejection(() =>
      verifyWebhook({ ...rest, headers: { "x-zm-signature": headers["x-zm-signature"] } }),
    );
    expect(noTimestamp.message).toMatch(/no x-zm-request-timestamp header/);
    expect(rejection(() => verifyWebhook({ ...rest, headers: {} })).status).toBe(401);
    const empty = { "x-zm-signature": "", "x-zm-request-timestamp": headers["x-zm-request-timestamp"] };
    expect(rejection(() => verifyWebhook({ ...rest, headers: empty })).message).toMatch(/no x-zm-signature/);
    const notANumber = { ...headers, "x-zm-request-timestamp": "yesterday" };
    expect(rejection(() => verifyWebhook({ ...rest, headers: notANumber })).message).toMatch(/not a number/);
  });

  it("rejects a timestamp more than 5 minutes from now, either way", () => {
    for (const offset of [-360, 360]) {
      const error = rejection(() => verifyWebhook(signedRequest(fixtureText, nowSeconds + offset)));
      expect(error.status).toBe(401);
      expect(error.message).toMatch(/360 seconds from now/);
    }
  });

  it("accepts a timestamp 4 minutes 59 seconds old, and one in milliseconds", () => {
    expect(() => verifyWebhook(signedRequest(fixtureText, nowSeconds - 299))).not.toThrow();
    expect(() => verifyWebhook(signedRequest(fixtureText, nowSeconds + 299))).not.toThrow();
    expect(() => verifyWebhook(signedRequest(fixtureText, now - 299_000))).not.toThrow();
    expect(rejection(() => verifyWebhook(signedRequest(fixtureText, now - 301_000))).status).toBe(401);
  });

  it("uses the clock when no time is given", () => {
    const request = signedRequest(fixtureText, Math.floor(Date.now() / 1000));
    const { now: _given, ...withoutNow } = request;
    expect(() => verifyWebhook(withoutNow)).not.toThrow();
    expect(() => verifyWebhook({ ...request, now: new Date() })).not.toThrow();
  });

  it("refuses to run without a secret", () => {
    const error = (() => {
      try {
        verifyWebhook({ ...signedRequest(fixtureText), secret: "" });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe("zoom.webhookSecretToken");
  });

  it("never echoes the secret or the expected signature", () => {
    const good = signedRequest(fixtureText);
    const cases = [
      { ...good, headers: { ...good.headers, "x-zm-signature": "v0=00" } },
      { ...good, rawBody: "{}" },
      signedRequest(fixtureText, nowSeconds - 3600),
      { ...good, headers: {} },
    ];
    for (const request of cases) {
      const error = rejection(() => verifyWebhook(request));
      const text = `${error.message} ${error.suggestion ?? ""}`;
      expect(text).not.toContain(secret);
      expect(text).not.toContain(good.headers["x-zm-signature"].slice(3, 15));
      expect(text).not.toContain(hmacHex(secret, `v0:${nowSeconds}:{}`).slice(0, 12));
    }
  });
});

describe("handleWebhook", () => {
  it("answers endpoint.url_validation with the token's HMAC", () => {
    const body = JSON.stringify({
      payload: { plainToken: "qgg8vlvZRS6UYooatFL8Aw" },
      event: "endpoint.url_validation",
    });
    const outcome = handleWebhook(signedRequest(body));
    expect(outcome).toEqual({
      kind: "url_validation",
      status: 200,
      body: {
        plainToken: "qgg8vlvZRS6UYooatFL8Aw",
        encryptedToken: hmacHex(secret, "qgg8vlvZRS6UYooatFL8Aw"),
      },
    });
  });

  it("checks the signature of a url_validation request first", () => {
    const body = JSON.stringify({ payload: { plainToken: "abc" }, event: "endpoint.url_validation" });
    const request = { ...signedRequest(body), headers: signWebhook(body, "not-the-secret", nowSeconds) };
    expect(rejection(() => handleWebhook(request)).status).toBe(401);
  });

  it("refuses a url_validation without a plainToken", () => {
    const body = JSON.stringify({ payload: {}, event: "endpoint.url_validation" });
    expect(rejection(() => handleWebhook(signedRequest(body))).status).toBe(400);
  });

  it("hands over the fixture's recording.completed event", () => {
    const outcome = handleWebhook({ ...signedRequest(fixtureText), rawBody: Buffer.from(fixtureText) });
    expect(outcome.kind).toBe("recording");
    if (outcome.kind !== "recording") return;
    expect(outcome.event.event).toBe("recording.completed");
    expect(outcome.event.payload.object.uuid).toBe("CnIDrQSsRdi9bWp3jyJsZQ==");
    expect(outcome.event.payload.object.recording_files).toHaveLength(2);
  });

  it("ignores other events", () => {
    const body = JSON.stringify({ event: "meeting.started", payload: { object: {} } });
    expect(handleWebhook(signedRequest(body))).toEqual({ kind: "ignored", event: "meeting.started" });
  });

  it("answers 400 to a signed body that is not a usable event", () => {
    for (const body of ["not json", "[1]", JSON.stringify({ payload: {} })]) {
      expect(rejection(() => handleWebhook(signedRequest(body))).status).toBe(400);
    }
    const broken = JSON.stringify({ ...fixture, payload: { object: { uuid: "x" } } });
    const error = rejection(() => handleWebhook(signedRequest(broken)));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/^The webhook is not a recording event/);
  });
});

describe("parseRecordingEvent", () => {
  it("refuses an event with more files than any meeting has, naming the limit", () => {
    const file = {
      id: "f",
      file_type: "MP4",
      download_url: "https://zoom.us/rec/download/x",
      status: "completed",
    };
    const event = (n: number) => ({
      event: "recording.completed",
      payload: {
        object: {
          uuid: "CnIDrQSsRdi9bWp3jyJsZQ==",
          id: 1,
          topic: "t",
          recording_files: Array.from({ length: n }, (_, i) => ({ ...file, id: `f${i}` })),
        },
      },
    });
    expect(parseRecordingEvent(event(1_000)).payload.object.recording_files).toHaveLength(1_000);
    expect(() => parseRecordingEvent(event(30_000))).toThrow(/30000 files.*at most 1000/);
  });

  it("accepts the fixture and recording.transcript_completed", () => {
    expect(parseRecordingEvent(fixture).payload.object.id).toBe(7816381929);
    const transcript = { ...fixture, event: "recording.transcript_completed" };
    expect(parseRecordingEvent(transcript).event).toBe("recording.transcript_completed");
  });

  it("keeps the fields zrec does not read", () => {
    const event = withObject({ host_email: "h@example.org", recording_files: [{ id: "f", extra: [1] }] });
    const parsed = parseRecordingEvent({ ...event, extra: true });
    expect(parsed.extra).toBe(true);
    expect(parsed.payload.object.host_email).toBe("h@example.org");
    expect(parsed.payload.object.recording_files?.[0]).toEqual({ id: "f", extra: [1] });
  });

  it("names the source and what is wrong in one sentence", () => {
    expect(() => parseRecordingEvent({ ...fixture, event: "meeting.started" }, "webhook.json")).toThrow(
      'webhook.json is not a recording event: "event" is "meeting.started".',
    );
    expect(() => parseRecordingEvent([], "webhook.json")).toThrow(
      "webhook.json is not a recording event: it is a list, not a JSON object.",
    );
  });

  const object = (fixture.payload as { object: Record<string, unknown> }).object;
  const withObject = (changes: Record<string, unknown>) => ({
    ...fixture,
    payload: { object: { ...object, ...changes } },
  });

  it.each([
    ["a missing event", { ...fixture, event: undefined }, /"event" is missing/],
    ["no payload", { ...fixture, payload: undefined }, /"payload" is missing/],
    ["no payload.object", { ...fixture, payload: {} }, /"payload.object" is missing/],
    ["a missing uuid", withObject({ uuid: undefined }), /"payload.object.uuid" is missing/],
    [
      "a uuid that is not 16 bytes",
      withObject({ uuid: "abc==" }),
      /"payload.object.uuid" "abc==" is not base64/,
    ],
    [
      "a numeric-string id",
      withObject({ id: "7816381929" }),
      /"payload.object.id" is a string, not a number/,
    ],
    ["a missing topic", withObject({ topic: undefined }), /"payload.object.topic" is missing/],
    [
      "no recording_files",
      withObject({ recording_files: undefined }),
      /recording_files" is missing, not a list/,
    ],
    [
      "a file that is not an object",
      withObject({ recording_files: [null] }),
      /recording_files\[0\]" is null/,
    ],
    [
      "a file_type that is not a string",
      withObject({ recording_files: [{ file_type: 4 }] }),
      /file_type" is a number/,
    ],
  ])("refuses %s", (_label, value, message) => {
    expect(() => parseRecordingEvent(value, "the event")).toThrow(InputError);
    expect(() => parseRecordingEvent(value, "the event")).toThrow(message);
  });

  it("never echoes the download token", () => {
    try {
      parseRecordingEvent({ ...fixture, download_token: 42 });
    } catch (error) {
      expect((error as Error).message).not.toContain(String(fixture.download_token));
    }
    expect(() => parseRecordingEvent({ ...fixture, download_token: 42 })).toThrow(
      /"download_token" is a number/,
    );
  });
});
