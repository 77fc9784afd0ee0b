import { describe, expect, it } from 'vitest';
import type { Evidence } from '../../src/decision/evidence.js';
import { isOperatorReview, operatorReviewReason, reviewStands, sameEvidence } from '../../src/decision/review.js';
import { check, cleanEvidence, GOV_ID, report, verification, WATCHLIST } from '../helpers/decision-fixtures.js';

const base = (): Evidence => ({
  ...cleanEvidence(),
  tags: ['vip', 'returning'],
  behaviors: { 'bot-score': 4, 'api-usage': false },
});

describe('sameEvidence: what an operator reviewed, compared with a re-evaluation', () => {
  it.each<[string, (e: Evidence) => Evidence]>([
    ['verifications in another order', (e) => ({ ...e, verifications: [...e.verifications].reverse() })],
    ['tags in another order', (e) => ({ ...e, tags: ['returning', 'vip'] })],
    ['behaviors in another key order', (e) => ({ ...e, behaviors: { 'api-usage': false, 'bot-score': 4 } })],
    ['another inquiry status', (e) => ({ ...e, inquiryStatus: 'needs_review' })],
    ['completedAt filled in later', (e) => ({ ...e, reports: e.reports.map((r) => ({ ...r, completedAt: 'x' })) })],
  ])('is the same evidence with %s', (_title, change) => {
    expect(sameEvidence(base(), change(base()))).toBe(true);
  });

  it.each<[string, (e: Evidence) => Evidence]>([
    [
      'a new verification',
      (e) => ({ ...e, verifications: [...e.verifications, verification(GOV_ID, 'failed', { id: 'ver_2' })] }),
    ],
    [
      'a verification status',
      (e) => ({ ...e, verifications: e.verifications.map((v) => ({ ...v, status: 'failed' })) }),
    ],
    [
      'a check',
      (e) => ({ ...e, verifications: e.verifications.map((v) => ({ ...v, checks: [check('id_expired_detection')] })) }),
    ],
    ['a report match', (e) => ({ ...e, reports: e.reports.map((r) => ({ ...r, hasMatch: true })) })],
    ['a dismissed match', (e) => ({ ...e, reports: e.reports.map((r) => ({ ...r, matchDismissedAt: 'x' })) })],
    ['a new report', (e) => ({ ...e, reports: [...e.reports, report(WATCHLIST, 'ready', true, 'rep_new')] })],
    ['a tag', (e) => ({ ...e, tags: ['vip'] })],
    ['a behavior', (e) => ({ ...e, behaviors: { ...e.behaviors, 'bot-score': 91 } })],
  ])('is other evidence with %s', (_title, change) => {
    expect(sameEvidence(base(), change(base()))).toBe(false);
  });
});

describe('reviewStands', () => {
  it('keeps a review on the same evidence, and not once Persona approved or declined the inquiry', () => {
    expect(reviewStands(base(), base())).toBe(true);
    expect(reviewStands(base(), { ...base(), inquiryStatus: 'approved' })).toBe(false);
    expect(reviewStands(base(), { ...base(), inquiryStatus: 'declined' })).toBe(false);
    expect(reviewStands(base(), { ...base(), tags: [] })).toBe(false);
  });

  it('keeps a review taken on evidence Persona had already approved or declined, while that status stays', () => {
    // review_on_disagreement sends an inquiry Persona approved to manual_review when the engine disagrees (a
    // watchlist match); re-evaluating that same evidence (a reprocess, a late webhook) is no news from Persona
    for (const status of ['approved', 'declined']) {
      const reviewed: Evidence = {
        ...base(),
        inquiryStatus: status,
        reports: [report(WATCHLIST, 'ready', true, 'rep_1')],
      };
      expect(reviewStands(reviewed, structuredClone(reviewed))).toBe(true);
      const refetched = { ...reviewed, reports: reviewed.reports.map((r) => ({ ...r, completedAt: 'later' })) };
      expect(reviewStands(reviewed, refetched)).toBe(true);
    }
  });

  it('gives way when Persona moved to the other decided status, or the evidence changed, since the review', () => {
    const approved: Evidence = { ...base(), inquiryStatus: 'approved' };
    expect(reviewStands(approved, { ...approved, inquiryStatus: 'declined' })).toBe(false);
    expect(reviewStands({ ...base(), inquiryStatus: 'declined' }, approved)).toBe(false);
    expect(reviewStands({ ...base(), inquiryStatus: 'needs_review' }, approved)).toBe(false);
    expect(reviewStands(approved, { ...approved, tags: [] })).toBe(false);
    // a status other than approved/declined is not Persona deciding: only the evidence counts
    expect(reviewStands(approved, { ...approved, inquiryStatus: 'needs_review' })).toBe(true);
  });

  it("names the operator_review reason's actor and note, and recognises a review by its first reason", () => {
    const reason = operatorReviewReason('retry', 'alice', 'asked for a new document');
    expect(reason).toEqual({
      code: 'operator_review',
      outcome: 'retry',
      message: 'reviewed by alice',
      actor: 'alice',
      note: 'asked for a new document',
    });
    expect(isOperatorReview([reason])).toBe(true);
    expect(isOperatorReview([])).toBe(false);
  });
});
