/**
 * The schema library, behind one module of core's own. zod ships as some 230 small ES modules, and
 * resolving and compiling them was a fifth of every command's start-up; the build (scripts/bundle-zod.mjs)
 * replaces this file's output with zod bundled into one module. Sources and tests use zod itself.
 */
export { z } from "zod";
