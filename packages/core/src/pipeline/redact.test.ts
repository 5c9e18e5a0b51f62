import { describe, expect, it } from "vitest";
import { storableFile, withoutCredentials } from "./redact.js";

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
