import { z } from 'zod';
import type { CheckEvidence, Evidence, EvidenceSummary, ReportEvidence, VerificationEvidence } from './evidence.js';
import { OUTCOMES, type Outcome } from './outcome.js';
import { type Reason, reasonCatalogue, type ReasonCode } from './reasons.js';

/**
 * zod schemas of the domain's own types, for values that come back from outside a process: stored decisions
 * (rows written by this or an older version) and job payloads that carry evidence between polls. Each schema is
 * checked against its type (`satisfies`), so the two cannot drift apart.
 */
export const outcomeSchema = z.enum(OUTCOMES) satisfies z.ZodType<Outcome>;

// an enum (not a custom check) so the API contract lists every code (docs/openapi.json); or a policy rule's own
const reasonCodeSchema = z.union(
  [
    z.enum(Object.keys(reasonCatalogue) as [ReasonCode, ...ReasonCode[]]),
    z
      .templateLiteral(['rule_', z.string().regex(/^[a-z0-9]+(_[a-z0-9]+)*$/)])
      .describe("a policy rule's reason code: rule_<name> (docs/decision-policy.md#rules-cel)"),
  ],
  { error: 'is not a known reason code' },
);

export const reasonSchema = z.object({
  code: reasonCodeSchema,
  outcome: z.enum([...OUTCOMES, 'info']),
  message: z.string(),
  verificationId: z.string().optional(),
  verificationType: z.string().optional(),
  reportId: z.string().optional(),
  reportType: z.string().optional(),
  check: z.string().optional(),
  engineOutcome: outcomeSchema.optional(),
  rule: z.string().optional(),
  actor: z.string().optional(),
  note: z.string().optional(),
}) satisfies z.ZodType<Reason>;

const checkSchema = z.object({
  name: z.string(),
  status: z.string(),
  requirement: z.string().nullable(),
  reasons: z.array(z.string()),
}) satisfies z.ZodType<CheckEvidence>;

const verificationSchema = z.object({
  id: z.string(),
  type: z.string(),
  status: z.string(),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
  checks: z.array(checkSchema),
}) satisfies z.ZodType<VerificationEvidence>;

const reportSchema = z.object({
  id: z.string(),
  type: z.string(),
  status: z.string(),
  hasMatch: z.boolean().nullable(),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
  matchDismissedAt: z.string().optional(),
}) satisfies z.ZodType<ReportEvidence>;

export const evidenceSchema = z.object({
  inquiryId: z.string(),
  inquiryStatus: z.string(),
  referenceId: z.string().nullable(),
  accountId: z.string().nullable(),
  templateId: z.string().nullable(),
  tags: z.array(z.string()),
  behaviors: z.record(z.string(), z.union([z.number(), z.boolean()])),
  verifications: z.array(verificationSchema),
  reports: z.array(reportSchema),
}) satisfies z.ZodType<Evidence>;

export const evidenceSummarySchema = evidenceSchema.extend({
  supersededVerificationIds: z.array(z.string()),
  polls: z.number().int().nonnegative(),
  source: z.enum(['webhook', 'api']),
  gatheredAt: z.string().nullable(),
}) satisfies z.ZodType<EvidenceSummary>;

// Decisions and job payloads stored before Persona's identifiers (or tags and behaviors) were kept read back without them.
const storedIdentifiers = {
  referenceId: z.string().nullable().default(null),
  accountId: z.string().nullable().default(null),
  templateId: z.string().nullable().default(null),
  // stored before tags and behaviors were kept (issue 14): none known
  tags: z.array(z.string()).default([]),
  behaviors: z.record(z.string(), z.union([z.number(), z.boolean()])).default({}),
};

/** Evidence as stored by this or an older version (job payloads between polls). */
export const storedEvidenceSchema = evidenceSchema.extend(storedIdentifiers);

/** An evidence summary as stored by this or an older version (decision rows). */
export const storedEvidenceSummarySchema = evidenceSummarySchema.extend({
  ...storedIdentifiers,
  // decisions stored before the source was kept: the API was the only one
  source: z.enum(['webhook', 'api']).default('api'),
  gatheredAt: z.string().nullable().default(null),
});
