/**
 * The Persona events the service acts on (PERSONA_EVENTS), and what each one means for an inquiry. Event names are
 * Persona's (OAS `webhooks`, persona-openapi 2025-12-08; https://docs.withpersona.com/events):
 * https://docs.withpersona.com/model-lifecycle says which inquiry statuses they follow.
 */

/** Inquiry events: each starts (or restarts) the evaluation of its inquiry. */
export const INQUIRY_EVENTS = [
  'inquiry.completed',
  'inquiry.failed',
  'inquiry.expired',
  'inquiry.approved',
  'inquiry.declined',
  'inquiry.marked-for-review',
] as const;

/** Report events re-evaluate the inquiry the report is linked to (`report/<type>.<action>`). */
export const REPORT_ACTIONS = ['ready', 'matched', 'dismissed', 'errored'] as const;

/** `report/*.matched` in PERSONA_EVENTS: that action of every report type the policy counts. */
const ANY_REPORT = 'report/*';

export const DEFAULT_PERSONA_EVENTS: readonly string[] = [
  ...INQUIRY_EVENTS,
  ...REPORT_ACTIONS.map((action) => `${ANY_REPORT}.${action}`),
];

const REPORT_EVENT = /^(report(?:\/[a-z0-9-]+)+)\.([a-z-]+)$/;
const REPORT_PATTERN = /^report\/\*\.([a-z-]+)$/;

/** Why a PERSONA_EVENTS entry is not one the service can act on; undefined when it is. */
export function describeBadEventName(name: string): string | undefined {
  if ((INQUIRY_EVENTS as readonly string[]).includes(name)) return undefined;
  const action = REPORT_PATTERN.exec(name)?.[1] ?? REPORT_EVENT.exec(name)?.[2];
  if (action !== undefined && (REPORT_ACTIONS as readonly string[]).includes(action)) return undefined;
  return (
    `"${name}" is not an event the service acts on: use ${INQUIRY_EVENTS.join(', ')}, ` +
    `report/<type>.<${REPORT_ACTIONS.join('|')}> or report/*.<action>`
  );
}

/**
 * How the service treats an event: `inquiry`, evaluate the inquiry (a new one, or again); `report`, re-evaluate
 * the linked inquiry if the service has seen it; `ignored`, record and acknowledge only. A report event counts only
 * for a report type the policy reads (its change could not alter a decision otherwise). The type is the payload
 * object's (`payload.data.type`), not the event name's prefix: they differ for some reports (the event
 * `report/sentilink-scores.ready` carries a `report/integration/sentilink-scores` object, OAS `webhooks`).
 */
export type EventDisposition = 'inquiry' | 'report' | 'ignored';

export function createEventClassifier(
  selected: readonly string[],
  countedReportTypes: readonly string[],
): (event: { name: string; objectType: string }) => EventDisposition {
  const names = new Set(selected);
  return ({ name, objectType }) => {
    if (name.startsWith('inquiry.')) return names.has(name) ? 'inquiry' : 'ignored';
    const action = REPORT_EVENT.exec(name)?.[2];
    if (action === undefined || !countedReportTypes.includes(objectType)) return 'ignored';
    return names.has(name) || names.has(`${ANY_REPORT}.${action}`) ? 'report' : 'ignored';
  };
}

/**
 * The event name prefix of a report type: the type itself, but for reports Persona runs through an integration,
 * whose events drop the `integration/` segment (object `report/integration/sentilink-scores`, events
 * `report/sentilink-scores.*`; OAS `webhooks`).
 */
function eventPrefixOf(reportType: string): string {
  return reportType.replace(/^report\/integration\//, 'report/');
}

/**
 * The concrete event names PERSONA_EVENTS selects, for `GET /events?filter[name]=…` (the reconciliation sweep):
 * `report/*.<action>` becomes that action of every report type the policy counts (`report/watchlist.ready`, …).
 */
export function actionableEventNames(selected: readonly string[], countedReportTypes: readonly string[]): string[] {
  const names = selected.flatMap((name) => {
    const action = REPORT_PATTERN.exec(name)?.[1];
    return action === undefined ? [name] : countedReportTypes.map((type) => `${eventPrefixOf(type)}.${action}`);
  });
  return [...new Set(names)];
}
