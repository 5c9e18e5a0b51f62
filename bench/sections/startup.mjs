/** 6. CLI start-up: the built `zrec --help` against `node -e 0`, medians of fresh processes. */
import { fileURLToPath } from "node:url";
import { timeCommand } from "../lib/child.mjs";
import { fixed, median, table, target } from "../lib/format.mjs";

const ZREC = fileURLToPath(new URL("../../packages/cli/dist/main.js", import.meta.url));

export async function startup(ctx) {
  const runs = ctx.full ? 40 : 10;
  ctx.log(`startup: zrec --help and node -e 0, ${runs} runs each`);
  const commands = {
    node: [process.execPath, ["-e", "0"]],
    zrec: [process.execPath, [ZREC, "--help"]],
  };
  const times = { node: [], zrec: [] };
  // Two warm-ups each (file cache), then alternate so that drift hits both alike.
  for (let i = -2; i < runs; i++) {
    for (const [name, [command, args]] of Object.entries(commands)) {
      const run = await timeCommand(command, args);
      if (run.code !== 0) throw new Error(`${name} exited with ${run.code}: ${run.stderr}`);
      if (i >= 0) times[name].push(run.ms);
    }
  }
  const node = median(times.node);
  const zrec = median(times.zrec);
  const rows = [
    ["node -e 0", fixed(node, 1), "1.00×"],
    ["zrec --help (packages/cli/dist/main.js)", fixed(zrec, 1), `${fixed(zrec / node, 2)}×`],
  ];
  return {
    sections: [
      {
        heading: "CLI start-up",
        note: `median wall time of ${runs} fresh processes each, spawn to exit`,
        table: table(["command", "ms", "× node"], rows),
      },
    ],
    targets: [target("`zrec --help` under 3× `node -e 0`", zrec < 3 * node, `${fixed(zrec / node, 2)}×`)],
    data: { nodeMs: node, zrecMs: zrec },
  };
}
