import { describe, expect, it } from "vitest";
import { downloadPlan, listedById } from "./api-listed-file.js";

const api = {
  id: "f-1",
  file_type: "MP4",
  file_size: 2048,
  download_url: "https://zoom.us/rec/download/abc",
};
const event = { ...api, file_size: 1024, download_url: "https://zoom.us/rec/webhook_download/abc" };

describe("downloadPlan", () => {
  it("takes the API's download_url and file_size for a listed id whose URL differs", () => {
    const plan = downloadPlan(event, listedById([api]));
    expect(plan).toEqual({
      file: { ...event, download_url: api.download_url, file_size: 2048 },
      fromApi: true,
    });
  });

  it("keeps the event's URL (and token) when the API lists the same URL, with the API's size", () => {
    const plan = downloadPlan({ ...event, download_url: api.download_url }, listedById([api]));
    expect(plan.fromApi).toBe(false);
    expect(plan.file).toMatchObject({ download_url: api.download_url, file_size: 2048 });
  });

  it("keeps the event's file as it is without an id, an unlisted id, or an unknown list", () => {
    const { id: _id, ...cc } = { ...event, file_type: "CC" };
    expect(downloadPlan(cc, listedById([api]))).toEqual({ file: cc, fromApi: false });
    expect(downloadPlan({ ...event, id: "f-2" }, listedById([api])).fromApi).toBe(false);
    expect(downloadPlan(event, listedById(undefined))).toEqual({ file: event, fromApi: false });
  });

  it("keeps the event's URL when the API lists the file without one", () => {
    const { download_url: _url, ...processing } = api;
    const plan = downloadPlan(event, listedById([processing]));
    expect(plan).toEqual({ file: { ...event, file_size: 2048 }, fromApi: false });
  });

  it("ignores entries of the list that are not file objects", () => {
    expect([...(listedById([null, 3, { id: "" }, api]) ?? new Map()).keys()]).toEqual(["f-1"]);
  });
});
