/** Types of bundle.mjs, for the tests that build the bundles. */
export interface BundleSize {
  name: string;
  /** Size of dist/handlers/<name>.mjs. */
  bytes: number;
  gzipBytes: number;
  /** The source files and packages esbuild put in it (from its metafile). */
  inputs: string[];
}

export function handlerNames(): Promise<string[]>;

export function bundleHandlers(options?: {
  outdir?: string;
  names?: string[];
  minify?: boolean;
}): Promise<BundleSize[]>;
