import { isReportSettled } from './evidence.js';
import type { ReportEvidence } from './evidence.js';
import type { PolicyContent as Policy } from './policy-version.js';
import { createReason } from './reasons.js';
import type { Reason } from './reasons.js';

/**
 * The reason one report contributes (docs/persona-notes.md#objects: status pending|ready|errored, has-match).
 * Every counted report is judged, not only the latest per type: a re-run that comes back clear does not erase an
 * earlier match, and a human should see both. Report types the policy does not count are listed as info so the
 * decision record shows they were seen and deliberately ignored. A match asks for review only where the policy
 * says it is adverse (`reportMatch`: every screening report by default).
 */
export function judgeReport(r: ReportEvidence, policy: Policy): Reason {
  const refs = { reportId: r.id, reportType: r.type };
  const matchMeans = policy.reportMatch[r.type];
  if (!policy.reportTypes.includes(r.type) || matchMeans === undefined) {
    return createReason('report_not_counted', `${r.type} is not counted by the policy`, refs);
  }
  if (!isReportSettled(r.status)) {
    return createReason('report_not_settled', `${r.type} was still ${r.status} at the polling deadline`, refs);
  }
  if (matchMeans === 'ignore') {
    if (r.status === 'ready') {
      return createReason('report_ready', `${r.type} is ready (the policy does not read its match)`, refs);
    }
  } else if (r.hasMatch === true && r.matchDismissedAt !== undefined && r.status === 'ready') {
    const message = `${r.type}'s match was dismissed by a reviewer in Persona`;
    return createReason('report_match_dismissed', message, refs);
  } else if (r.hasMatch === true) {
    // A match is a match whatever the status says next to it.
    return createReason('report_match', `${r.type} found a possible match`, refs);
  }
  if (r.status === 'errored') return createReason('report_errored', `${r.type} errored at Persona`, refs);
  if (r.status !== 'ready') {
    return createReason('report_status_unknown', `${r.type} has an unknown status "${r.status}"`, refs);
  }
  if (r.hasMatch === false) return createReason('report_clear', `${r.type} found no match`, refs);
  return createReason('report_match_unknown', `${r.type} is ready but does not say whether it matched`, refs);
}
