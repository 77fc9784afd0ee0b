import type { DecisionView } from '../decision-view.js';
import type { ShadowSummary } from '../shadow-summary.js';
import { EXAMPLE_IDS as ids, EXAMPLE_TIME } from './examples.js';

/**
 * The shadow policy's examples: a stricter candidate, `eu-strict-2026-12`, that also requires a selfie and sends
 * inquiries tagged `vip` to review (docs/decision-policy.md#shadow-policy). Its decision on DECIDED_VIEW's evidence
 * (a government id and a clear watchlist report, no selfie) is manual_review, as decide() gives it.
 */
export const SHADOW_POLICY_VERSION = 'eu-strict-2026-12';

export const DECIDED_SHADOW: NonNullable<DecisionView['shadow']> = {
  outcome: 'manual_review',
  reasons: [
    {
      code: 'required_verification_missing',
      outcome: 'manual_review',
      message: 'required verification/selfie is missing',
      verificationType: 'verification/selfie',
    },
    {
      code: 'verification_passed',
      outcome: 'approved',
      message: 'verification/government-id passed',
      verificationId: 'ver_Lq4nW8zR2xTc6VbM9kHs3JdY',
      verificationType: 'verification/government-id',
    },
    {
      code: 'report_clear',
      outcome: 'approved',
      message: 'report/watchlist found no match',
      reportId: 'rep_Xb7kP2mQ9wRt4NcV6zLs8HdJ',
      reportType: 'report/watchlist',
    },
  ],
  policyVersion: SHADOW_POLICY_VERSION,
  evaluatedAt: EXAMPLE_TIME,
};

/** A day of live traffic: 37 of 1 250 current decisions would change, all of them to manual_review; 2 reviewed by an operator. */
export const SHADOW_SUMMARY: ShadowSummary = {
  since: '2026-11-28T10:00:00.000Z',
  until: '2026-11-29T10:00:00.000Z',
  shadowPolicyVersion: SHADOW_POLICY_VERSION,
  decisions: 1250,
  disagreements: 37,
  unreadable: 0,
  livePolicyVersions: [{ policyVersion: 'default-2', decisions: 1252 }],
  shadowPolicyVersions: [{ policyVersion: SHADOW_POLICY_VERSION, decisions: 1252 }],
  evidence: {
    total: 1130,
    changed: 37,
    transitions: [
      {
        from: 'approved',
        to: 'approved',
        count: 1010,
        examples: ['inq_8sKd2LqW5vRt9XcB3nMz6HpY', 'inq_2TfG7hJk4LmN8pQr5StV9wXy', 'inq_5ZaB3cDe7FgH2jKl9MnP4qRs'],
      },
      {
        from: 'approved',
        to: 'manual_review',
        count: 31,
        examples: [ids.inquiryId, 'inq_6WxY2zAb8CdE4fGh7JkL3mNp', 'inq_9QrS5tUv2WxY7zAb4CdE8fGh'],
      },
      {
        from: 'declined',
        to: 'declined',
        count: 24,
        examples: ['inq_4JkL8mNp3QrS6tUv9WxY2zAb', 'inq_7CdE2fGh5JkL9mNp4QrS8tUv', 'inq_3WxY6zAb9CdE4fGh8JkL2mNp'],
      },
      {
        from: 'manual_review',
        to: 'manual_review',
        count: 59,
        examples: ['inq_5QrS9tUv3WxY8zAb2CdE6fGh', 'inq_8JkL4mNp7QrS2tUv6WxY9zAb', 'inq_2CdE7fGh3JkL8mNp5QrS9tUv'],
      },
      {
        from: 'retry',
        to: 'manual_review',
        count: 6,
        examples: ['inq_6WxY9zAb4CdE8fGh2JkL7mNp', 'inq_4QrS3tUv8WxY5zAb9CdE2fGh', 'inq_9JkL6mNp2QrS7tUv3WxY8zAb'],
      },
    ],
  },
  personaStatus: {
    total: 120,
    changed: 0,
    transitions: [
      {
        from: 'approved',
        to: 'approved',
        count: 80,
        examples: ['inq_3CdE8fGh6JkL2mNp9QrS4tUv', 'inq_7WxY4zAb2CdE9fGh5JkL8mNp', 'inq_2QrS6tUv9WxY3zAb7CdE5fGh'],
      },
      {
        from: 'declined',
        to: 'declined',
        count: 40,
        examples: ['inq_8JkL3mNp6QrS9tUv2WxY5zAb', 'inq_5CdE9fGh4JkL7mNp2QrS6tUv', 'inq_9WxY2zAb7CdE3fGh8JkL4mNp'],
      },
    ],
  },
  reviewed: {
    total: 2,
    changed: 1,
    transitions: [
      { from: 'approved', to: 'approved', count: 1, examples: ['inq_4HpY8sKd3LqW6vRt2XcB9nMz'] },
      { from: 'declined', to: 'manual_review', count: 1, examples: ['inq_7LmN2pQr6StV3wXy9TfG5hJk'] },
    ],
  },
  reasonChanges: [
    { code: 'all_evidence_passed', added: 0, removed: 31 },
    { code: 'required_verification_missing', added: 31, removed: 0 },
    { code: 'rule_vip', added: 6, removed: 0 },
  ],
  ruleErrors: [],
};
