import { describe, expect, it } from "vitest";
import { InputError } from "../errors.js";
import { canonicalMeetingUuid, encodeMeetingUuidForPath, isRecordingId, recordingIdFromUuid } from "./ids.js";

describe("recordingIdFromUuid", () => {
  it("decodes the fixture's meeting uuid to the canonical UUID", () => {
    expect(recordingIdFromUuid("CnIDrQSsRdi9bWp3jyJsZQ==")).toBe("0a7203ad-04ac-45d8-bd6d-6a778f226c65");
  });

  it("handles the standard alphabet's / and + and the url-safe _ and -", () => {
    const bytes = Buffer.from("fbff3e0123456789abcdef0fffbfff00", "hex");
    const standard = bytes.toString("base64");
    expect(standard).toMatch(/[+/]/);
    const expected = "fbff3e01-2345-6789-abcd-ef0fffbfff00";
    expect(recordingIdFromUuid(standard)).toBe(expected);
    expect(recordingIdFromUuid(bytes.toString("base64url"))).toBe(expected);
    expect(recordingIdFromUuid(`${bytes.toString("base64url")}==`)).toBe(expected);
  });

  it("refuses a uuid whose last character carries bits beyond the 16 bytes", () => {
    // "Q" ends the canonical encoding; "R".."Z" decode to the same 16 bytes with stray low bits.
    expect(recordingIdFromUuid("CnIDrQSsRdi9bWp3jyJsZQ==")).toBe("0a7203ad-04ac-45d8-bd6d-6a778f226c65");
    for (const last of ["R", "S", "Z"]) {
      expect(() => recordingIdFromUuid(`CnIDrQSsRdi9bWp3jyJsZ${last}==`)).toThrow(/not the canonical/);
    }
  });

  it("canonicalMeetingUuid writes one spelling per meeting: the standard alphabet, padded", () => {
    const bytes = Buffer.from("fbff3e0123456789abcdef0fffbfff00", "hex");
    const standard = bytes.toString("base64");
    expect(canonicalMeetingUuid(bytes.toString("base64url"))).toBe(standard);
    expect(canonicalMeetingUuid(standard.replace(/==$/, ""))).toBe(standard);
    expect(canonicalMeetingUuid(standard)).toBe(standard);
    expect(() => canonicalMeetingUuid("CnIDrQSsRdi9bWp3jyJsZR==")).toThrow(/not the canonical/);
  });

  it("returns lower case whatever the bytes", () => {
    const id = recordingIdFromUuid(Buffer.alloc(16, 0xab).toString("base64"));
    expect(id).toBe("abababab-abab-abab-abab-abababababab");
  });

  it.each([
    ["empty", ""],
    ["too short", "CnIDrQSsRdi9bWp3jyJs"],
    ["too long (24 bytes)", Buffer.alloc(24).toString("base64")],
    ["not base64", "CnIDrQSsRdi9bWp3jyJsZ!=="],
    ["a path", "../../../etc/passwd=="],
    ["wrong padding", "CnIDrQSsRdi9bWp3jyJsZQ="],
  ])("refuses %s with an InputError naming the uuid", (_label, uuid) => {
    expect(() => recordingIdFromUuid(uuid)).toThrow(InputError);
    expect(() => recordingIdFromUuid(uuid)).toThrow(JSON.stringify(uuid));
  });

  it("refuses a value that is not a string", () => {
    expect(() => recordingIdFromUuid(42 as unknown as string)).toThrow(InputError);
  });
});

describe("encodeMeetingUuidForPath", () => {
  it("encodes an ordinary uuid once", () => {
    expect(encodeMeetingUuidForPath("CnIDrQSsRdi9bWp3jyJsZQ==")).toBe("CnIDrQSsRdi9bWp3jyJsZQ%3D%3D");
    expect(encodeMeetingUuidForPath("ab/c+d==")).toBe("ab%2Fc%2Bd%3D%3D");
  });

  it("encodes twice a uuid that starts with / or contains //", () => {
    expect(encodeMeetingUuidForPath("/ajXp112QmuoKj4854875==")).toBe("%252FajXp112QmuoKj4854875%253D%253D");
    expect(encodeMeetingUuidForPath("ab//cd==")).toBe("ab%252F%252Fcd%253D%253D");
  });
});

describe("isRecordingId", () => {
  it("accepts the canonical form only", () => {
    expect(isRecordingId("0a7203ad-04ac-45d8-bd6d-6a778f226c65")).toBe(true);
    expect(isRecordingId("0A7203AD-04AC-45D8-BD6D-6A778F226C65")).toBe(false);
    expect(isRecordingId("0a7203ad04ac45d8bd6d6a778f226c65")).toBe(false);
    expect(isRecordingId("{0a7203ad-04ac-45d8-bd6d-6a778f226c65}")).toBe(false);
    expect(isRecordingId("0a7203ad-04ac-45d8-bd6d-6a778f226c65\n")).toBe(false);
    expect(isRecordingId("..")).toBe(false);
    expect(isRecordingId("0a7203ad-04ac-45d8-bd6d-6a778f226c65/../x")).toBe(false);
    expect(isRecordingId("")).toBe(false);
  });

  it("agrees with recordingIdFromUuid", () => {
    expect(isRecordingId(recordingIdFromUuid("CnIDrQSsRdi9bWp3jyJsZQ=="))).toBe(true);
  });
});
