import type { Evidence, ReportEvidence, VerificationEvidence } from '../decision/evidence.js';
import type { InquiryDocument, Linkage, ReportResource, VerificationResource } from './schemas.js';
import { isReportResource, isVerificationResource } from './schemas.js';

/**
 * Pure mapping from parsed Persona documents to the PII-free evidence the decision engine reads. The parsed
 * types carry no PII (schemas.ts never declares it), so nothing here can copy a name or birthdate by accident.
 */

export function toVerificationEvidence(resource: VerificationResource): VerificationEvidence {
  const { attributes } = resource;
  return {
    id: resource.id,
    type: resource.type,
    status: attributes.status,
    createdAt: attributes['created-at'],
    completedAt: attributes['completed-at'],
    checks: attributes.checks.map((check) => ({
      name: check.name,
      status: check.status,
      requirement: check.requirement,
      reasons: [...check.reasons],
    })),
  };
}

export function toReportEvidence(resource: ReportResource): ReportEvidence {
  const { attributes } = resource;
  return {
    id: resource.id,
    type: resource.type,
    status: attributes.status,
    hasMatch: attributes['has-match'],
    createdAt: attributes['created-at'],
    completedAt: attributes['completed-at'],
  };
}

/**
 * Evidence from an inquiry document: `verification/*` objects in `included` become verifications, `report/*`
 * objects become reports, anything else (inquiry-template, account, document/*…) is ignored. Objects fetched
 * separately (see `missingLinks`) are passed in `fetched` and appended. Duplicates are dropped by id.
 */
export function toEvidence(
  document: InquiryDocument,
  fetched: { verifications?: readonly VerificationEvidence[]; reports?: readonly ReportEvidence[] } = {},
): Evidence {
  const verifications: VerificationEvidence[] = [];
  const reports: ReportEvidence[] = [];
  for (const resource of document.included) {
    if (isVerificationResource(resource)) verifications.push(toVerificationEvidence(resource));
    else if (isReportResource(resource)) reports.push(toReportEvidence(resource));
  }
  const { attributes, relationships } = document.data;
  return {
    inquiryId: document.data.id,
    inquiryStatus: attributes.status,
    referenceId: attributes['reference-id'],
    accountId: relationships.account,
    templateId: relationships['inquiry-template'] ?? relationships.template,
    tags: attributes.tags,
    behaviors: attributes.behaviors,
    verifications: uniqueById([...verifications, ...(fetched.verifications ?? [])]),
    reports: uniqueById([...reports, ...(fetched.reports ?? [])]),
  };
}

/**
 * Verifications and reports linked from `data.relationships` but absent from `included` (a response without
 * `include`, or a partial one): the client fetches these one by one so the evidence is complete.
 */
export function missingLinks(document: InquiryDocument): { verifications: Linkage[]; reports: Linkage[] } {
  const included = new Set(document.included.map((resource) => resource.id));
  const missing = (links: readonly Linkage[]): Linkage[] => uniqueById(links.filter((link) => !included.has(link.id)));
  return {
    verifications: missing(document.data.relationships.verifications),
    reports: missing(document.data.relationships.reports),
  };
}

function uniqueById<T extends { id: string }>(items: readonly T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => (seen.has(item.id) ? false : (seen.add(item.id), true)));
}
