/**
 * zoom-sim in its own process for the benchmarks (see service.mjs). Operations: addMeeting (returns the
 * meeting, its webhook event and each file's download URL and token), setBandwidth, expectedSha256.
 */
import { startZoomSim } from "@zrec/zoom-sim";
import { serve } from "./service.mjs";

const sim = await startZoomSim();

serve(
  { apiBaseUrl: sim.apiBaseUrl, oauthUrl: sim.oauthUrl, cdnOrigin: sim.cdnOrigin, account: sim.accounts[0] },
  {
    addMeeting(spec) {
      const meeting = sim.addMeeting(spec);
      const event = sim.recordingEvent(meeting.uuid);
      const listed = event.payload.object.recording_files;
      return {
        uuid: meeting.uuid,
        recordingId: meeting.recordingId,
        event,
        files: meeting.files.map((file, index) => ({
          id: file.id,
          size: file.size,
          fileType: file.fileType,
          recordingType: file.recordingType,
          // The event lists the files in the meeting's order; the webhook URL takes the download token.
          downloadUrl: listed[index].download_url,
          downloadToken: event.download_token,
        })),
      };
    },
    setBandwidth(bytesPerSecond) {
      sim.setBandwidth(bytesPerSecond ?? undefined);
    },
    expectedSha256(fileId) {
      return sim.expectedSha256(fileId);
    },
    /** This process's CPU time in seconds (the benchmark tells its own load from other work's). */
    cpu() {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1e6;
    },
    /** CDN body bytes served since the last call (a copy that read more than once shows here). */
    cdnBytes() {
      const sent = sim.requests.filter((r) => r.server === "cdn").reduce((sum, r) => sum + r.bytesSent, 0);
      sim.requests.length = 0;
      return sent;
    },
  },
  () => sim.close(),
);
