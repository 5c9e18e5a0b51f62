/**
 * s3rver in its own process (run with `node --import tsx`: it reuses @zrec/test-utils' starter, which
 * patches s3rver's gaps). Stores into a fresh temporary folder, removed on close. One bucket: `bench`.
 */
import { startS3rver } from "@zrec/test-utils/s3rver";
import { serve } from "./service.mjs";

const s3 = await startS3rver({ buckets: ["bench"] });

serve(
  { endpoint: s3.endpoint, env: s3.env, bucket: "bench", directory: s3.directory },
  {
    /** This process's CPU time in seconds. */
    cpu() {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1e6;
    },
  },
  () => s3.close(),
);
