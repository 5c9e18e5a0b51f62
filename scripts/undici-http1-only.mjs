// @ts-check
/**
 * An esbuild plugin for the bundles (the CLI's and the Lambda handlers'): undici's HTTP/2 client is
 * replaced by a module that refuses with a sentence.
 *
 * Why: undici's Client requires its HTTP/2 half at load, and that half requires `node:http2`, which
 * brings `tls` and Node's whole HTTP/2 core: ~11 ms of the main thread before every ingest's first
 * request on the benchmark machine (~15 ms in a fresh process), for a protocol zrec never asks for.
 * undici only speaks HTTP/2 when a dispatcher is made with `allowH2` (zrec makes none) and TLS then
 * negotiates `h2`; the refusal would say so if that ever changed.
 * @type {import("esbuild").Plugin}
 */
export const undiciHttp1Only = {
  name: "zrec-undici-http1-only",
  setup(build) {
    build.onResolve({ filter: /[\\/]client-h2\.js$/ }, (args) => {
      if (!/[\\/]undici[\\/]lib[\\/]dispatcher[\\/]client\.js$/.test(args.importer)) return undefined;
      return { path: "undici-client-h2", namespace: "zrec-undici-http1-only" };
    });
    build.onLoad({ filter: /.*/, namespace: "zrec-undici-http1-only" }, () => ({
      contents: `module.exports = function connectH2() {
  throw new Error("undici negotiated HTTP/2, which zrec's bundle leaves out: zrec makes no dispatcher with allowH2.");
};`,
      loader: "js",
    }));
  },
};
