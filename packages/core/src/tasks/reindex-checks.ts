/**
 * What an operator's edit may not get wrong, beyond what every stored document must be (the schema
 * lets older documents keep fields of their own, and times the older system wrote): a field that is a
 * typo of a known one ("dispositon" stored as is, and purge-old never deletes the recording), and a
 * start or end time that is not a time ("yesterday" listed as the newest recording).
 */
import { DocumentError } from "../errors.js";
import { documentSchemas } from "../recording/document-schema.js";
import { editDistance } from "../validation/closest.js";
import { isObject } from "../validation/is-object.js";

/** YYYY-MM-DDTHH:MM, optional seconds and fraction, then Z or an offset: what Zoom and zrec write. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Throws a DocumentError naming the first field an edit got wrong this way. */
export function checkEdit(edited: unknown, source: string): void {
  if (!isObject(edited)) return;
  const known = Object.keys(documentSchemas().document.shape);
  for (const field of Object.keys(edited)) {
    if (known.includes(field) || field.length < 4) continue;
    const meant = known.find((name) => editDistance(field.toLowerCase(), name) <= 2);
    if (meant !== undefined) {
      throw new DocumentError(
        field,
        `${source}: unknown field "${field}" (did you mean "${meant}"?); nothing was written.`,
      );
    }
  }
  for (const field of ["start_time", "end_time"] as const) {
    const value = edited[field];
    if (typeof value !== "string" || value === "") continue;
    if (!ISO_TIME.test(value) || Number.isNaN(Date.parse(value))) {
      throw new DocumentError(
        field,
        `${source}: ${field} should be a time such as "2024-07-04T17:02:30Z", not ${JSON.stringify(value.slice(0, 40))}; nothing was written.`,
      );
    }
  }
}
