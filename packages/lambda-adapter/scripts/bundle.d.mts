/** Types of bundle.mjs, for the tests that build the bundles. */
export interface BundleSize {
  name: string;
  /** Size of dist/handlers/<name>.mjs alone. */
  bytes: number;
  /** What importing the handler reads: <name>.mjs and the chunks it imports, directly or not. */
  loadBytes: number;
  /** The same, each file gzipped. */
  gzipBytes: number;
  /** The source files and packages esbuild put in it or in any chunk it may load (from its metafile). */
  inputs: string[];
}

export function handlerNames(): Promise<string[]>;

export function bundleHandlers(options?: {
  outdir?: string;
  names?: string[];
  minify?: boolean;
}): Promise<BundleSize[]>;

/** The built files Node reads when it imports `file`: it and the chunks it imports statically. */
export function loadedAtImport(file: string): Promise<Set<string>>;
