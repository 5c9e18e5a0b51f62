/** The archive's website: building it, searching it, serving it locally. */
export type { SiteBuildOptions, SiteBuildReport } from "./build.js";
export { buildSite } from "./build.js";
export type { SiteOutput } from "./output.js";
export { folderSiteOutput, storeSiteOutput } from "./output.js";
export type { SearchHit } from "./search.js";
export { searchSite } from "./search.js";
export type { AllowPath } from "./served-paths.js";
export { builtSitePolicy, storeSitePolicy } from "./served-paths.js";
export type { StaticServer } from "./static-server.js";
export { serveStatic } from "./static-server.js";
