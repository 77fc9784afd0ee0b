import { z } from 'zod';

/**
 * zod schemas for the Persona JSON:API documents the service reads (kebab-case keys, API version 2025-12-08;
 * see vendor/persona-openapi/2025-12-08 and docs/persona-notes.md#objects).
 *
 * - Strict where the service depends on a field: ids, types, statuses, timestamps, checks, `has-match`.
 * - Tolerant of everything else: `z.object` ignores undeclared keys, so new attributes do not break parsing.
 *   Unlike `z.looseObject` it also drops them from the output, so names, birthdates, ID numbers and addresses
 *   (never declared here) do not survive parsing and cannot reach logs or the database through these types.
 * - Statuses and types are plain strings: Persona adds values without a version bump
 *   (https://docs.withpersona.com/versioning).
 */

/** A JSON:API resource identifier (`{ type, id }`), as found in `relationships.*.data`. */
const linkageSchema = z.object({ type: z.string().min(1), id: z.string().min(1) });

/** One-to-many relationship. `data` may be missing or null when relationship linkages are suppressed. */
const toManySchema = z
  .object({ data: z.array(linkageSchema).nullish() })
  .nullish()
  .transform((rel) => rel?.data ?? []);

// The spec types reasons items as string | null; a null reason carries nothing the engine could use.
const reasonsSchema = z
  .array(z.string().nullable())
  .nullish()
  .transform((reasons) => (reasons ?? []).filter((r): r is string => r !== null));

/** `checks[]` item (OAS verification-shared-attributes). A missing `reasons` means "no reasons", not an error. */
const checkSchema = z.object({
  name: z.string().min(1),
  status: z.string().min(1),
  requirement: z
    .string()
    .nullish()
    .transform((r) => r ?? null),
  reasons: reasonsSchema,
});

const nullableTimestamp = z
  .string()
  .nullish()
  .transform((t) => t ?? null);

const verificationResourceSchema = z.object({
  type: z.string().regex(/^verification\//, 'expected a verification/* type'),
  id: z.string().min(1),
  attributes: z.object({
    status: z.string().min(1),
    // format: date-time in the spec; the engine orders attempts by it.
    'created-at': z.iso.datetime({ offset: true }),
    'completed-at': nullableTimestamp,
    // Initiated verifications may carry no checks yet.
    checks: z
      .array(checkSchema)
      .nullish()
      .transform((checks) => checks ?? []),
  }),
});

const reportResourceSchema = z.object({
  type: z.string().regex(/^report\//, 'expected a report/* type'),
  id: z.string().min(1),
  attributes: z.object({
    status: z.string().min(1),
    // No date-time format in the spec (report-shared-attributes), so only non-empty is enforced.
    'created-at': z.string().min(1),
    'completed-at': nullableTimestamp,
    // Not required by the spec and typically absent while a report is pending: absent means "unknown".
    'has-match': z
      .boolean()
      .nullish()
      .transform((m) => m ?? null),
  }),
});

/** Any other included object (inquiry-template, account, document/*…): only its identity is kept. */
const otherResourceSchema = z.object({
  type: z.string().refine((t) => !isVerificationType(t) && !isReportType(t), 'malformed verification or report'),
  id: z.string().min(1),
});

const includedResourceSchema = z.union([verificationResourceSchema, reportResourceSchema, otherResourceSchema]);

/** To-one relationship: the linked id, or null when absent, null or suppressed. */
const toOneIdSchema = z
  .object({ data: linkageSchema.nullish() })
  .nullish()
  .transform((rel) => rel?.data?.id ?? null);

const inquiryResourceSchema = z.object({
  type: z.literal('inquiry'),
  id: z.string().min(1),
  attributes: z.object({
    status: z.string().min(1),
    // The customer's own id for the user (an identifier, not PII: https://docs.withpersona.com/reference-ids).
    'reference-id': z
      .string()
      .nullish()
      .transform((id) => id ?? null),
    // Labels the customer or a Workflow set (risk signals such as "FRAUD"); OAS items are `string | null`.
    tags: z
      .array(z.string().nullable())
      .nullish()
      .transform((tags) => [...new Set((tags ?? []).filter((tag): tag is string => tag !== null))].sort()),
    // Persona's risk signals (OAS: an open map, keys not enumerated). Only numbers and booleans are kept: scores
    // and counts, never free text, so nothing a customer could fill with PII reaches the store.
    behaviors: z
      .record(z.string(), z.unknown())
      .nullish()
      .transform((behaviors) => riskSignals(behaviors ?? {})),
  }),
  relationships: z
    .object({
      verifications: toManySchema,
      reports: toManySchema,
      account: toOneIdSchema,
      'inquiry-template': toOneIdSchema,
      // Inquiries made from a legacy template link it here instead of `inquiry-template`.
      template: toOneIdSchema,
    })
    .nullish()
    .transform(
      (rels) => rels ?? { verifications: [], reports: [], account: null, 'inquiry-template': null, template: null },
    ),
});

function riskSignals(behaviors: Record<string, unknown>): Record<string, number | boolean> {
  const kept = Object.entries(behaviors).filter(
    (entry): entry is [string, number | boolean] =>
      typeof entry[1] === 'boolean' || (typeof entry[1] === 'number' && Number.isFinite(entry[1])),
  );
  return Object.fromEntries(kept.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** `GET /inquiries/{id}`. `included` is absent or empty unless `include` was requested (API ≥ 2025-10-27). */
export const inquiryDocumentSchema = z.object({
  data: inquiryResourceSchema,
  included: z
    .array(includedResourceSchema)
    .nullish()
    .transform((included) => included ?? []),
});

/**
 * `GET /events` (OAS `paths/events.yaml`): a page of events, newest first. Each event stays unparsed here: the
 * reconciliation sweep reads it with parsePersonaEvent, exactly as a webhook's `data` (it holds the payload: PII,
 * never stored or logged).
 */
export const eventListSchema = z.object({
  data: z.array(z.unknown()),
  links: z.object({ next: z.string().nullish() }).nullish(),
});

/** `GET /verifications/{id}` (any verification type). */
export const verificationDocumentSchema = z.object({ data: verificationResourceSchema });

/** `GET /reports/{id}` (any report type). */
export const reportDocumentSchema = z.object({ data: reportResourceSchema });

/**
 * Persona's error body (`components/responses/*`). Only `title` is kept: titles are fixed phrases such as
 * "Record not found", while `details` and `meta` may echo request data.
 */
export const errorBodySchema = z.object({
  errors: z.array(z.object({ title: z.string().optional() })).min(1),
});

export type Linkage = z.output<typeof linkageSchema>;
export type VerificationResource = z.output<typeof verificationResourceSchema>;
export type ReportResource = z.output<typeof reportResourceSchema>;
export type IncludedResource = z.output<typeof includedResourceSchema>;
export type InquiryDocument = z.output<typeof inquiryDocumentSchema>;

function isVerificationType(type: string): boolean {
  return type.startsWith('verification/');
}

function isReportType(type: string): boolean {
  return type.startsWith('report/');
}

// Sound because the union above only lets verification/* and report/* types through their own schemas.
export function isVerificationResource(resource: IncludedResource): resource is VerificationResource {
  return 'attributes' in resource && isVerificationType(resource.type);
}

export function isReportResource(resource: IncludedResource): resource is ReportResource {
  return 'attributes' in resource && isReportType(resource.type);
}
