/** The contract's tags (register-openapi.ts describes each) and the operator routes' security requirement. */
export const TAGS = {
  intake: 'Persona intake',
  decisions: 'Decisions',
  operations: 'Operations',
  health: 'Health',
  metrics: 'Metrics',
  contract: 'Contract',
  downstream: 'Downstream delivery',
} as const;

/** The security requirement of the operator routes (decisions, deliveries, inquiries, jobs): `bearerAuth`. */
export const BEARER_SECURITY = [{ bearerAuth: [] }];

/** GET /metrics: open, or `metricsAuth` when METRICS_TOKEN is set (the document does not depend on the config). */
export const METRICS_SECURITY: Record<string, string[]>[] = [{ metricsAuth: [] }, {}];
