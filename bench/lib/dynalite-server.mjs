/**
 * dynalite (DynamoDB in memory) in its own process (run with `node --import tsx`: it reuses core's test
 * helper), so that its CPU is its own and a benchmark's loop does not share its event loop.
 */
import { startDynalite } from "../../packages/core/test/support/dynalite.ts";
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
