import { describe, expect, it } from 'vitest';
import { parsePersonaEvent } from '../../src/persona/webhook-event.js';
import { buildInquiryEvent } from '../../src/sim/inquiry-event.js';
import { inquiryIdFor, reportIdFor } from '../../src/sim/inquiry-ids.js';
import { lifecycleEvents } from '../../src/sim/lifecycle-events.js';
import { buildReportEvent } from '../../src/sim/report-event.js';
import { createScenarioCatalog } from '../../src/sim/scenario-catalog.js';

const BOTH = new Set(['verifications', 'reports']);

interface Resource {
  type: string;
  id: string;
  attributes: Record<string, unknown>;
  relationships: Record<string, { data: unknown }>;
}

interface EventBody {
  data: { id: string; attributes: { name: string; 'created-at': string; payload: { data: Resource; included?: [] } } };
}

const payloadOf = (body: object): Resource => (body as EventBody).data.attributes.payload.data;
const linked = (resource: Resource, name: string): unknown => resource.relationships[name]?.data;

describe('scenario catalog: lifecycle steps', () => {
  const id = inquiryIdFor('watchlist-late', 'cat1');
  const watchlist = reportIdFor(id, 'watchlist');

  function at(step: number) {
    const catalog = createScenarioCatalog({ pendingFetches: 0 });
    expect(catalog.setStep(id, step)).toEqual({ ok: true });
    const document = catalog.inquiry(id, BOTH);
    return {
      status: document?.data.attributes.status,
      linkedReports: (linked(document?.data as Resource, 'reports') as Array<{ id: string }>).map((r) => r.id),
      includedReports: document?.included.filter((r) => r.type.startsWith('report/')).map((r) => r.attributes),
      report: catalog.report(watchlist)?.data.attributes['has-match'] ?? null,
    };
  }

  it('serves step 0 by default: no report linked yet, GET /reports answers nothing', () => {
    const catalog = createScenarioCatalog({ pendingFetches: 0 });
    expect(catalog.inquiry(id, BOTH)?.data.relationships.reports).toEqual({ data: [] });
    expect(catalog.report(watchlist)).toBeNull();
  });

  it.each([
    [0, { status: 'completed', linkedReports: [], report: null }],
    [1, { status: 'completed', linkedReports: [watchlist], report: false }],
    [2, { status: 'completed', linkedReports: [watchlist], report: true }],
    // dismissed: Persona keeps has-match true (OAS example report-watchlist-dismissed-webhook-body)
    [3, { status: 'completed', linkedReports: [watchlist], report: true }],
  ])("serves step %i's status and linked reports, in the inquiry, in included and by id", (step, expected) => {
    const served = at(step);
    expect(served).toMatchObject(expected);
    expect(served.includedReports?.map((r) => r['has-match'])).toEqual(
      expected.report === null ? [] : [expected.report],
    );
  });

  it("serves each step's inquiry status and the timestamps that go with it", () => {
    const catalog = createScenarioCatalog({ pendingFetches: 0 });
    const reviewed = inquiryIdFor('reviewer-approves', 'cat2');
    const attributesAt = (step: number) => {
      catalog.setStep(reviewed, step);
      return catalog.inquiry(reviewed, new Set())?.data.attributes;
    };
    expect(attributesAt(0)).toMatchObject({ status: 'completed', 'marked-for-review-at': null, 'decisioned-at': null });
    expect(attributesAt(1)).toMatchObject({ status: 'needs_review', 'decisioned-at': null });
    expect(attributesAt(1)?.['marked-for-review-at']).toEqual(expect.any(String));
    expect(attributesAt(2)).toMatchObject({ status: 'approved', 'decisioned-at': expect.any(String) });
  });

  it.each([
    ['an unknown scenario', 'inq_noSuchScenario_x1', 0, 'unknown_inquiry'],
    ['a malformed id', 'whatever', 0, 'unknown_inquiry'],
    ['a step past the last', id, 4, 'step_out_of_range'],
    ['a negative step', id, -1, 'step_out_of_range'],
    ['a fractional step', id, 1.5, 'step_out_of_range'],
    ['step 1 of a one-step scenario', inquiryIdFor('all-passed'), 1, 'step_out_of_range'],
  ])('refuses to set %s', (_label, inquiryId, step, reason) => {
    expect(createScenarioCatalog({ pendingFetches: 0 }).setStep(inquiryId, step)).toEqual({ ok: false, reason });
  });

  it('keeps the step per inquiry and forgets it on reset', () => {
    const catalog = createScenarioCatalog({ pendingFetches: 0 });
    const other = inquiryIdFor('watchlist-late', 'cat3');
    catalog.setStep(id, 2);
    expect(catalog.report(watchlist)?.data.attributes['has-match']).toBe(true);
    expect(catalog.report(reportIdFor(other, 'watchlist'))).toBeNull();
    catalog.reset();
    expect(catalog.report(watchlist)).toBeNull();
  });
});

describe('inquiry event at a step', () => {
  const id = inquiryIdFor('reviewer-approves', 'evt1');

  it("shows the step's status and takes the step's event name", () => {
    const event = buildInquiryEvent({ inquiryId: id, step: 1 });
    expect(event.name).toBe('inquiry.marked-for-review');
    expect(payloadOf(event.body).attributes.status).toBe('needs_review');
  });

  it("links the step's reports", () => {
    const late = inquiryIdFor('watchlist-late', 'evt2');
    const reportsAt = (step: number) => linked(payloadOf(buildInquiryEvent({ inquiryId: late, step }).body), 'reports');
    expect(reportsAt(0)).toEqual([]);
    expect(reportsAt(2)).toEqual([{ type: 'report/watchlist', id: reportIdFor(late, 'watchlist') }]);
  });

  it("sends a one-step scenario's own event by default (inquiry.failed for inquiry-failed)", () => {
    const event = buildInquiryEvent({ inquiryId: inquiryIdFor('inquiry-failed') });
    expect([event.name, payloadOf(event.body).attributes.status]).toEqual(['inquiry.failed', 'failed']);
  });

  it('refuses a step the scenario lacks', () => {
    expect(() => buildInquiryEvent({ inquiryId: id, step: 3 })).toThrow(RangeError);
  });
});

describe('report event', () => {
  const id = inquiryIdFor('watchlist-late', 'rep1');
  const input = { inquiryId: id, reportSlot: 'watchlist', name: 'report/watchlist.matched', step: 2 };

  it('carries the report as of the step, linked to its inquiry and account, and no included', () => {
    const event = buildReportEvent({ ...input, eventId: 'evt_Rep1', createdAt: '2026-11-29T12:00:00.000Z' });
    const body = event.body as EventBody;
    expect(body.data.id).toBe('evt_Rep1');
    expect(body.data.attributes.name).toBe('report/watchlist.matched');
    expect(body.data.attributes['created-at']).toBe('2026-11-29T12:00:00.000Z');
    expect(body.data.attributes.payload).not.toHaveProperty('included');
    const report = payloadOf(event.body);
    expect([report.type, report.id, report.attributes['has-match']]).toEqual([
      'report/watchlist',
      reportIdFor(id, 'watchlist'),
      true,
    ]);
    expect(linked(report, 'inquiry')).toEqual({ type: 'inquiry', id });
    expect(linked(report, 'account')).toEqual({ type: 'account', id: 'act_watchlistLate_rep1' });
    expect([event.eventId, event.inquiryId, event.name]).toEqual(['evt_Rep1', id, 'report/watchlist.matched']);
  });

  it('links only the account for an account-level continuous-monitoring report', () => {
    const report = payloadOf(buildReportEvent({ ...input, accountOnly: true }).body);
    expect(linked(report, 'inquiry')).toBeNull();
    expect(linked(report, 'account')).toEqual({ type: 'account', id: 'act_watchlistLate_rep1' });
    expect(report.attributes['is-continuous']).toBe(true);
  });

  it("is parsed by the service's envelope parser as a report event about the inquiry", () => {
    const event = buildReportEvent(input);
    expect(parsePersonaEvent(event.body)).toMatchObject({
      ok: true,
      event: { eventId: event.eventId, name: 'report/watchlist.matched', objectType: 'report/watchlist' },
    });
  });

  it.each([
    ['an id that names no scenario', { inquiryId: 'inq_Plain1' }],
    ['a report not linked at the step', { step: 0 }],
    ['a slot the scenario lacks', { reportSlot: 'pep' }],
    ['a step the scenario lacks', { step: 9 }],
  ])('refuses %s', (_label, over) => {
    expect(() => buildReportEvent({ ...input, ...over })).toThrow(RangeError);
  });
});

describe('lifecycleEvents', () => {
  it('gives one event per step, in order, one second apart, report steps as report events', () => {
    const id = inquiryIdFor('watchlist-late', 'life1');
    const events = lifecycleEvents(id, { startAt: Date.UTC(2026, 10, 29, 12, 0, 0) });
    expect(events.map(({ step, event }) => [step, event.name, event.createdAt, payloadOf(event.body).type])).toEqual([
      [0, 'inquiry.completed', '2026-11-29T12:00:00.000Z', 'inquiry'],
      [1, 'report/watchlist.ready', '2026-11-29T12:00:01.000Z', 'report/watchlist'],
      [2, 'report/watchlist.matched', '2026-11-29T12:00:02.000Z', 'report/watchlist'],
      [3, 'report/watchlist.dismissed', '2026-11-29T12:00:03.000Z', 'report/watchlist'],
    ]);
    expect(new Set(events.map(({ event }) => event.eventId)).size).toBe(4);
    expect(events.map(({ event }) => payloadOf(event.body).attributes['has-match'])).toEqual([
      undefined,
      false,
      true,
      true,
    ]);
  });

  it("shows each inquiry step's status in its payload", () => {
    const events = lifecycleEvents(inquiryIdFor('reviewer-approves', 'life2'), { startAt: 0 });
    expect(events.map(({ event }) => [event.name, payloadOf(event.body).attributes.status])).toEqual([
      ['inquiry.completed', 'completed'],
      ['inquiry.marked-for-review', 'needs_review'],
      ['inquiry.approved', 'approved'],
    ]);
  });

  it('gives a one-step scenario its single event, and refuses an id that names no scenario', () => {
    expect(
      lifecycleEvents(inquiryIdFor('all-passed'), { startAt: 0 }).map(({ step, event }) => [step, event.name]),
    ).toEqual([[0, 'inquiry.completed']]);
    expect(() => lifecycleEvents('inq_Plain1')).toThrow(RangeError);
  });

  it('honours the key inflection', () => {
    const [first] = lifecycleEvents(inquiryIdFor('workflow-declines'), { startAt: 0, inflection: 'camel' });
    expect((first?.event.body as { data: { attributes: object } }).data.attributes).toHaveProperty('createdAt');
  });
});
