/** `zrec site`: the archive's static website (`build`, `serve`). */
import { Command } from "commander";
import { siteBuildCommand } from "./site-build.js";
import { siteServeCommand } from "./site-serve.js";

export function siteCommand(): Command {
  return new Command("site").addCommand(siteBuildCommand()).addCommand(siteServeCommand());
}
