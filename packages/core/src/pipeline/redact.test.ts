import { describe, expect, it } from "vitest";
import { storableFile, storableMeeting, withoutCredentials } from "./redact.js";

describe("withoutCredentials", () => {
  it("drops credential query parameters and userinfo, keeps the rest", () => {
    expect(withoutCredentials("https://zoom.us/rec/download/x?access_token=abc&x=1")).toBe(
      "https://zoom.us/rec/download/x?x=1",
    );
    expect(withoutCredentials("https://zoom.us/rec/x?Download_Access_Token=a&TOKEN=b&jwt=c")).toBe(
      "https://zoom.us/rec/x",
    );
    expect(withoutCredentials("https://user:pass@zoom.us/rec/x")).toBe("https://zoom.us/rec/x");
    expect(withoutCredentials("https://zoom.us/rec/webhook_download/abc/def")).toBe(
      "https://zoom.us/rec/webhook_download/abc/def",
    );
  });

  it("keeps a value that is not a URL unless it looks like it carries a credential", () => {
    expect(withoutCredentials("not a url")).toBe("not a url");
    expect(withoutCredentials("zoom.us/rec?access_token=abc")).toBe("");
    expect(withoutCredentials("user:secret@zoom.us/rec")).toBe("");
  });

  it("cleans a file object's download_url and play_url without touching the original", () => {
    const file = {
      id: "f",
      download_url: "https://zoom.us/rec/download/x?access_token=abc",
      play_url: "https://zoom.us/rec/play/x?token=def",
    };
    expect(storableFile(file)).toEqual({
      id: "f",
      download_url: "https://zoom.us/rec/download/x",
      play_url: "https://zoom.us/rec/play/x",
    });
    expect(file.download_url).toContain("access_token=abc");
  });
});

describe("storableMeeting", () => {
  it("drops start_url (the host's ZAK) and token fields at any depth, keeps the rest", () => {
    const meeting = {
      id: 1,
      topic: "t",
      password: "p",
      join_url: "https://zoom.us/j/1?pwd=x",
      start_url: "https://zoom.us/s/1?zak=ZAKSECRET",
      settings: { host_video: false, zak: "ZAKSECRET", registrants_confirmation_email: true },
      occurrences: [{ start_url: "https://zoom.us/s/1?zak=ZAKSECRET", occurrence_id: "o" }],
      tracking_fields: [{ field: "start_url", value: "x" }],
      download_access_token: "TOKENSECRET",
    };
    const stored = storableMeeting(meeting);
    expect(JSON.stringify(stored)).not.toMatch(/SECRET/);
    expect(stored).toEqual({
      id: 1,
      topic: "t",
      password: "p",
      join_url: "https://zoom.us/j/1?pwd=x",
      settings: { host_video: false, registrants_confirmation_email: true },
      occurrences: [{ occurrence_id: "o" }],
      tracking_fields: [{ field: "start_url", value: "x" }],
    });
    expect(meeting.start_url).toContain("zak"); // the argument is not changed
  });
});
