import { z } from 'zod';
import { AppError, ErrorCodes } from '../errors.js';

/**
 * Rows read back from the database are parsed, not cast: a row written by an older (or newer) version either
 * parses or fails here with an error that names the row and every field that does not fit.
 */
export function parseRow<T>(schema: z.ZodType<T>, row: unknown, what: string): T {
  const parsed = schema.safeParse(row);
  if (parsed.success) return parsed.data;
  throw new AppError(ErrorCodes.STORED_ROW_INVALID, describeRowIssues(parsed.error, what));
}

/** "<what> does not parse: field: problem; …" (paths and expectations only: zod's messages carry no values). */
export function describeRowIssues(error: z.ZodError, what: string): string {
  const problems = error.issues.map((issue) => `${issue.path.map(String).join('.') || '(row)'}: ${issue.message}`);
  return `${what} does not parse: ${problems.join('; ')}`;
}

/** A JSON text column: parsed as JSON, then checked by `schema`; text that is not JSON is an issue, not a crash. */
export function jsonText<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .transform((text, ctx): unknown => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}
