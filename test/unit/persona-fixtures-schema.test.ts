import { describe, expect, it } from 'vitest';
import {
  buildErrorBody,
  buildInquiry,
  buildInquiryResponse,
  buildInquiryTemplate,
  buildResourceResponse,
} from '../../src/sim/persona-objects.js';
import { buildVerification } from '../../src/sim/persona-verifications.js';
import { buildReport } from '../../src/sim/persona-reports.js';
import type { PersonaResource } from '../../src/sim/persona-objects.js';
import { buildInquiryEvent } from '../../src/sim/inquiry-event.js';
import { inquiryIdFor } from '../../src/sim/inquiry-ids.js';
import { lifecycleEvents } from '../../src/sim/lifecycle-events.js';
import { buildReportEvent } from '../../src/sim/report-event.js';
import { createScenarioCatalog } from '../../src/sim/scenario-catalog.js';
import { listScenarios } from '../../src/sim/scenarios.js';
import { createOpenApiValidator } from '../helpers/openapi.js';

const validator = createOpenApiValidator('2025-12-08');
const schema = (name: string): string => `#/components/schemas/${name}`;
const webhookBody = (name: string): string =>
  `#/webhooks/${name.replaceAll('~', '~0').replaceAll('/', '~1')}/post/requestBody/content/application~1json/schema`;
const okBody = (path: string): string =>
  `#/paths/${path.replaceAll('~', '~0').replaceAll('/', '~1')}/get/responses/200/content/application~1json/schema`;

const INQUIRY_ID = 'inq_Fixture1';
const checks = [
  { name: 'id_expired_detection', status: 'passed', requirement: 'required', reasons: [] },
  { name: 'id_barcode_detection', status: 'not_applicable', requirement: 'not_required', reasons: ['disabled'] },
];

const governmentId = buildVerification({
  id: 'ver_Gov1',
  type: 'verification/government-id',
  status: 'passed',
  checks,
  inquiryId: INQUIRY_ID,
});
const selfie = buildVerification({
  id: 'ver_Selfie1',
  type: 'verification/selfie',
  status: 'failed',
  checks: [{ name: 'selfie_liveness_detection', status: 'failed', reasons: ['replica_detected'] }],
  inquiryId: INQUIRY_ID,
});
const database = buildVerification({
  id: 'ver_Db1',
  type: 'verification/database',
  status: 'passed',
  checks: [{ name: 'database_name_comparison', status: 'passed' }],
  inquiryId: INQUIRY_ID,
});
const initiated = buildVerification({
  id: 'ver_Gov0',
  type: 'verification/government-id',
  status: 'initiated',
  inquiryId: null,
});
const watchlist = buildReport({
  id: 'rep_Watch1',
  type: 'report/watchlist',
  status: 'ready',
  hasMatch: true,
  inquiryId: INQUIRY_ID,
});
const pep = buildReport({
  id: 'rep_Pep1',
  type: 'report/politically-exposed-person',
  status: 'ready',
  hasMatch: true,
  inquiryId: INQUIRY_ID,
});
const adverseMedia = buildReport({
  id: 'rep_Am1',
  type: 'report/adverse-media',
  status: 'ready',
  hasMatch: true,
  inquiryId: INQUIRY_ID,
});
const pendingWatchlist = buildReport({
  id: 'rep_Watch0',
  type: 'report/watchlist',
  status: 'pending',
  inquiryId: null,
});
const related = [governmentId, selfie, database, watchlist, pep, adverseMedia];
const linkages = (items: PersonaResource[], prefix: string) =>
  items.filter((r) => r.type.startsWith(prefix)).map(({ type, id }) => ({ type, id }));
const inquiry = buildInquiry({
  id: INQUIRY_ID,
  status: 'approved',
  verifications: linkages(related, 'verification/'),
  reports: linkages(related, 'report/'),
});

describe('Persona object builders against the official 2025-12-08 OpenAPI spec', () => {
  it.each([
    ['inquiry', 'inquiry', inquiry],
    [
      'pending inquiry without PII fields',
      'inquiry',
      buildInquiry({ id: 'inq_Pending', status: 'pending', withPii: false }),
    ],
    ['government-id verification', 'verification-government-id', governmentId],
    ['initiated government-id verification', 'verification-government-id', initiated],
    ['selfie verification', 'verification-selfie', selfie],
    ['database verification', 'verification-database', database],
    ['watchlist report with a match', 'report-watchlist', watchlist],
    ['pending watchlist report', 'report-watchlist', pendingWatchlist],
    ['politically-exposed-person report', 'report-politically-exposed-person', pep],
    ['adverse-media report', 'report-adverse-media', adverseMedia],
    ['inquiry template', 'inquiry-template', buildInquiryTemplate({ id: 'itmpl_Fixture1' })],
  ])('builds a valid %s', (_label, name, value) => {
    expect(validator.validate(schema(name), value)).toEqual([]);
  });

  it('builds verifications that validate through the polymorphic verification schema', () => {
    for (const v of [governmentId, selfie, database]) expect(validator.validate(schema('verification'), v)).toEqual([]);
  });

  it('builds reports that validate through the polymorphic report schema', () => {
    for (const r of [watchlist, pep, adverseMedia]) expect(validator.validate(schema('report'), r)).toEqual([]);
  });

  it('builds an inquiry response with included verifications, reports and a template that matches GET /inquiries/{inquiry-id}', () => {
    const body = buildInquiryResponse(inquiry, [...related, buildInquiryTemplate({ id: 'itmpl_Fixture1' })]);
    expect(validator.validate(okBody('/inquiries/{inquiry-id}'), body)).toEqual([]);
  });

  it('builds an inquiry response without included objects that matches GET /inquiries/{inquiry-id}', () => {
    expect(validator.validate(okBody('/inquiries/{inquiry-id}'), buildInquiryResponse(inquiry))).toEqual([]);
  });

  it('builds single-object responses that match GET /verifications/{verification-id} and GET /reports/{report-id}', () => {
    expect(validator.validate(okBody('/verifications/{verification-id}'), buildResourceResponse(selfie))).toEqual([]);
    expect(validator.validate(okBody('/reports/{report-id}'), buildResourceResponse(pep))).toEqual([]);
  });

  it('builds an error body that matches the not-found response', () => {
    const pointer = '#/components/responses/not-found/content/application~1json/schema';
    expect(validator.validate(pointer, buildErrorBody('Record not found'))).toEqual([]);
  });

  it('rejects a builder output with a broken attribute, so the check above has teeth', () => {
    const broken = { ...governmentId, attributes: { ...governmentId.attributes, 'created-at-ts': 'yesterday' } };
    expect(validator.validate(schema('verification-government-id'), broken)).not.toEqual([]);
  });

  it('rejects an included verification carrying an attribute the spec does not define', () => {
    const extra = { ...selfie, attributes: { ...selfie.attributes, 'not-in-the-spec': true } };
    expect(validator.validate(okBody('/inquiries/{inquiry-id}'), buildInquiryResponse(inquiry, [extra]))).not.toEqual(
      [],
    );
  });
});

/** Every step of every scenario: [key, step index, event name]. */
const STEP_ROWS = listScenarios().flatMap((scenario) =>
  scenario.steps.map((step, index) => [scenario.key, index, step.event] as const),
);

describe('simulated inquiry lifecycles against the official 2025-12-08 OpenAPI spec', () => {
  it.each(STEP_ROWS)('serves %s at step %i (%s) as a valid GET /inquiries/{inquiry-id} body', (key, step) => {
    const catalog = createScenarioCatalog({ pendingFetches: 0 });
    const id = inquiryIdFor(key, 'schema1');
    expect(catalog.setStep(id, step)).toEqual({ ok: true });
    const document = catalog.inquiry(id, new Set(['verifications', 'reports']));
    expect(validator.validate(okBody('/inquiries/{inquiry-id}'), document)).toEqual([]);
  });

  it.each(STEP_ROWS)("sends %s step %i as a valid body of Persona's %s webhook", (key, step, name) => {
    const events = lifecycleEvents(inquiryIdFor(key, 'schema2'), { startAt: Date.UTC(2026, 0, 2) });
    const event = events[step]?.event;
    expect(event?.name).toBe(name);
    expect(validator.validate(webhookBody(name), event?.body)).toEqual([]);
  });

  it.each(['inquiry.completed', 'inquiry.failed', 'inquiry.expired', 'inquiry.approved', 'inquiry.declined'])(
    'builds a valid %s body at every step of reviewer-approves',
    (name) => {
      for (const step of [0, 1, 2]) {
        const event = buildInquiryEvent({ inquiryId: inquiryIdFor('reviewer-approves', 'schema3'), name, step });
        expect(validator.validate(webhookBody(name), event.body)).toEqual([]);
      }
    },
  );

  it.each(['ready', 'matched', 'dismissed', 'errored'])(
    'builds valid report/watchlist.%s bodies, linked to the inquiry or to the account only',
    (action) => {
      const name = `report/watchlist.${action}`;
      for (const accountOnly of [false, true]) {
        const input = { inquiryId: inquiryIdFor('watchlist-late', 'schema4'), reportSlot: 'watchlist', step: 2 };
        const event = buildReportEvent({ ...input, name, accountOnly });
        expect(validator.validate(webhookBody(name), event.body)).toEqual([]);
      }
    },
  );

  it('rejects a report event under another report type, so the check above has teeth', () => {
    const input = { inquiryId: inquiryIdFor('watchlist-late', 'schema5'), reportSlot: 'watchlist', step: 2 };
    const event = buildReportEvent({ ...input, name: 'report/watchlist.matched' });
    expect(validator.validate(webhookBody('report/adverse-media.matched'), event.body)).not.toEqual([]);
  });
});
