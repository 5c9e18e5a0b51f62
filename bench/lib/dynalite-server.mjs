/**
 * dynalite (DynamoDB in memory) in its own process (run with `node --import tsx`: it reuses the starter
 * in @zrec/test-utils), so that its CPU is its own and a benchmark's loop does not share its event loop.
 */
import { startDynalite } from "@zrec/test-utils/dynalite";
import { serve } from "./service.mjs";

const dynamo = await startDynalite();

serve(
  { endpoint: dynamo.endpoint },
  {
    /** This process's CPU time in seconds. */
    cpu() {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1e6;
    },
  },
  () => dynamo.close(),
);
