import type { z } from 'zod';

/**
 * The placeholder values of `.env.example`. A copied example must not start a service whose "secrets" are public:
 * each is refused wherever it appears (test/unit/config-secrets.test.ts keeps this list in step with the file).
 */
export const PLACEHOLDER_VALUES: readonly string[] = [
  'wbhsec_replace_me',
  'persona_sandbox_replace_me',
  'replace-with-a-long-random-token',
  'change-me-to-a-long-random-password',
];

/** Bearer tokens are the whole authentication of the read and operations API: long enough not to be guessed. */
export const MIN_TOKEN_LENGTH = 32;

const PLACEHOLDER_MESSAGE = 'is a placeholder from .env.example: set a real value';

/** True when `value` is, or contains, a placeholder (a database URL carries the example's password inside it). */
export function containsPlaceholder(value: string): boolean {
  return PLACEHOLDER_VALUES.some((placeholder) => value.includes(placeholder));
}

/** A zod check for a secret (or a list of them): no placeholder. Messages name no value. */
export function refuseListedPlaceholders(values: readonly string[], ctx: z.RefinementCtx): void {
  if (values.some(containsPlaceholder)) ctx.addIssue({ code: 'custom', message: PLACEHOLDER_MESSAGE });
}
