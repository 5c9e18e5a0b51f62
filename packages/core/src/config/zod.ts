/**
 * The schema library, behind one module of core's own. zod ships as some 230 small ES modules, and
 * resolving and compiling them was a fifth of every command's start-up; the build (scripts/bundle-zod.mjs)
 * replaces this file's output with zod bundled into one module. Sources and tests use zod itself.
 *
 * Import it as a namespace, `import * as z from "./zod.js"`, never `import { z }`: zod's `z` export is
 * a namespace object, and a bundler that meets it keeps all of zod (every locale, JSON Schema
 * conversion: 448 KiB in a Lambda bundle); through `import * as z` esbuild keeps the 98 KiB used.
 */
export * from "zod";
