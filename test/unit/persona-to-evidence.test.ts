import { describe, expect, it } from 'vitest';
import { inquiryDocumentSchema, reportDocumentSchema, verificationDocumentSchema } from '../../src/persona/schemas.js';
import { missingLinks, toEvidence, toVerificationEvidence } from '../../src/persona/to-evidence.js';
import {
  FAKE_PII_VALUES,
  buildInquiry,
  buildInquiryResponse,
  buildInquiryTemplate,
  buildResourceResponse,
} from '../../src/sim/persona-objects.js';
import { buildVerification } from '../../src/sim/persona-verifications.js';
import { buildReport } from '../../src/sim/persona-reports.js';
import type { JsonObject, PersonaResource } from '../../src/sim/persona-objects.js';

const INQUIRY_ID = 'inq_Map1';
const linkOf = ({ type, id }: PersonaResource) => ({ type, id });
const gov = buildVerification({
  id: 'ver_Gov1',
  type: 'verification/government-id',
  status: 'failed',
  checks: [{ name: 'id_expired_detection', status: 'failed', reasons: ['expired'] }],
  inquiryId: INQUIRY_ID,
});
const db = buildVerification({ id: 'ver_Db1', type: 'verification/database', status: 'passed', inquiryId: INQUIRY_ID });
const pep = buildReport({
  id: 'rep_Pep1',
  type: 'report/politically-exposed-person',
  status: 'ready',
  hasMatch: true,
  inquiryId: INQUIRY_ID,
});
const pending = buildReport({ id: 'rep_Am1', type: 'report/adverse-media', status: 'pending', inquiryId: INQUIRY_ID });
const inquiry = buildInquiry({
  id: INQUIRY_ID,
  status: 'completed',
  verifications: [linkOf(gov), linkOf(db)],
  reports: [linkOf(pep), linkOf(pending)],
});

function withAttributes(resource: PersonaResource, attributes: JsonObject): PersonaResource {
  return { ...resource, attributes: { ...resource.attributes, ...attributes } };
}

describe('toEvidence', () => {
  it('maps verification/* to verifications and report/* to reports, ignoring other included objects', () => {
    const template = buildInquiryTemplate({ id: 'itmpl_Map1' });
    const session = { type: 'inquiry-session', id: 'iqse_Map1', attributes: { status: 'expired' }, relationships: {} };
    const doc = inquiryDocumentSchema.parse(buildInquiryResponse(inquiry, [template, gov, session, db, pep, pending]));
    const evidence = toEvidence(doc);
    expect(evidence.inquiryId).toBe(INQUIRY_ID);
    expect(evidence.verifications.map((v) => [v.id, v.type, v.status])).toEqual([
      ['ver_Gov1', 'verification/government-id', 'failed'],
      ['ver_Db1', 'verification/database', 'passed'],
    ]);
    expect(evidence.verifications[0]?.checks).toEqual([
      { name: 'id_expired_detection', status: 'failed', requirement: 'required', reasons: ['expired'] },
    ]);
    expect(evidence.reports).toEqual([
      {
        id: 'rep_Pep1',
        type: 'report/politically-exposed-person',
        status: 'ready',
        hasMatch: true,
        createdAt: '2026-01-01T00:00:00.000Z',
        completedAt: '2026-01-01T00:00:05.000Z',
      },
      {
        id: 'rep_Am1',
        type: 'report/adverse-media',
        status: 'pending',
        hasMatch: null,
        createdAt: '2026-01-01T00:00:00.000Z',
        completedAt: null,
      },
    ]);
  });

  it('carries no personal data: parsing drops every undeclared attribute', () => {
    const doc = inquiryDocumentSchema.parse(buildInquiryResponse(inquiry, [gov, db, pep, pending]));
    const serialized = JSON.stringify([doc, toEvidence(doc)]);
    for (const value of FAKE_PII_VALUES) expect(serialized).not.toContain(value);
  });

  it('appends separately fetched objects and drops duplicates by id', () => {
    const doc = inquiryDocumentSchema.parse(buildInquiryResponse(inquiry, [gov, gov]));
    const fetchedDb = toVerificationEvidence(verificationDocumentSchema.parse(buildResourceResponse(db)).data);
    const staleGov = { ...fetchedDb, id: 'ver_Gov1', type: 'verification/government-id', status: 'passed' };
    const evidence = toEvidence(doc, { verifications: [staleGov, fetchedDb] });
    expect(evidence.verifications.map((v) => [v.id, v.status])).toEqual([
      ['ver_Gov1', 'failed'],
      ['ver_Db1', 'passed'],
    ]);
  });
});

describe('missingLinks', () => {
  it.each([
    ['nothing included', [], ['ver_Gov1', 'ver_Db1'], ['rep_Pep1', 'rep_Am1']],
    ['everything included', [gov, db, pep, pending], [], []],
    ['a partial included', [db, pep], ['ver_Gov1'], ['rep_Am1']],
  ])('lists linked objects absent from included (%s)', (_label, included, verifications, reports) => {
    const missing = missingLinks(inquiryDocumentSchema.parse(buildInquiryResponse(inquiry, included)));
    expect(missing.verifications.map((l) => l.id)).toEqual(verifications);
    expect(missing.reports.map((l) => l.id)).toEqual(reports);
  });

  it('treats missing relationships, null linkage data and a missing included as "nothing linked or included"', () => {
    const bare = {
      data: {
        type: 'inquiry',
        id: INQUIRY_ID,
        attributes: { status: 'created' },
        relationships: { verifications: { data: null } },
      },
    };
    const doc = inquiryDocumentSchema.parse(bare);
    expect(missingLinks(doc)).toEqual({ verifications: [], reports: [] });
    expect(toEvidence(doc)).toEqual({
      inquiryId: INQUIRY_ID,
      inquiryStatus: 'created',
      referenceId: null,
      accountId: null,
      templateId: null,
      tags: [],
      behaviors: {},
      verifications: [],
      reports: [],
    });
  });

  it('keeps the tags (sorted, unique, nulls dropped) and only the numeric and boolean risk signals', () => {
    const doc = inquiryDocumentSchema.parse({
      data: {
        type: 'inquiry',
        id: INQUIRY_ID,
        attributes: {
          status: 'completed',
          tags: ['vip', null, 'FRAUD', 'vip'],
          behaviors: {
            'bot-score': 87.5,
            'devtools-open': true,
            'request-spoof-attempts': 2,
            'free-text': 'Jane Doe, 1 Main St',
            nested: { ip: '203.0.113.9' },
            'not-a-number': Number.NaN,
            missing: null,
          },
        },
      },
    });
    const evidence = toEvidence(doc);
    expect(evidence.tags).toEqual(['FRAUD', 'vip']);
    expect(evidence.behaviors).toEqual({ 'bot-score': 87.5, 'devtools-open': true, 'request-spoof-attempts': 2 });
    expect(JSON.stringify(evidence)).not.toMatch(/Jane|Main St|203\.0/);
  });
});

describe('Persona document schemas', () => {
  it('defaults what a young verification may lack: checks, reasons, requirement, completed-at', () => {
    const young = buildVerification({ id: 'ver_New1', type: 'verification/selfie', status: 'initiated' });
    delete young.attributes.checks;
    delete young.attributes['completed-at'];
    expect(verificationDocumentSchema.parse(buildResourceResponse(young)).data.attributes).toEqual({
      status: 'initiated',
      'created-at': '2026-01-01T00:00:00.000Z',
      'completed-at': null,
      checks: [],
    });
    const sparseCheck = withAttributes(young, {
      checks: [{ name: 'selfie_pose_detection', status: 'passed', reasons: [null, 'x'] }],
    });
    expect(verificationDocumentSchema.parse(buildResourceResponse(sparseCheck)).data.attributes.checks).toEqual([
      { name: 'selfie_pose_detection', status: 'passed', requirement: null, reasons: ['x'] },
    ]);
  });

  it.each([
    ['a verification without status', verificationDocumentSchema, withAttributes(gov, { status: null })],
    [
      'a verification with an unparseable created-at',
      verificationDocumentSchema,
      withAttributes(gov, { 'created-at': 'yesterday' }),
    ],
    ['a check without a name', verificationDocumentSchema, withAttributes(gov, { checks: [{ status: 'passed' }] })],
    ['a report whose has-match is not a boolean', reportDocumentSchema, withAttributes(pep, { 'has-match': 'yes' })],
    ['a report served as a verification', verificationDocumentSchema, pep],
  ])('rejects %s', (_label, schema, resource) => {
    expect(schema.safeParse(buildResourceResponse(resource)).success).toBe(false);
  });

  it('rejects an inquiry whose included verification is malformed instead of silently ignoring it', () => {
    const body = buildInquiryResponse(inquiry, [withAttributes(gov, { checks: 'none' })]);
    expect(inquiryDocumentSchema.safeParse(body).success).toBe(false);
  });

  it('rejects a document whose data is not an inquiry', () => {
    expect(inquiryDocumentSchema.safeParse(buildResourceResponse(gov)).success).toBe(false);
  });
});
