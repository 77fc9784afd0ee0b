/**
 * What the simulator saw, for the demo and the benchmarks ("Persona calls per decision", "429 count"). Served at
 * `GET /_sim/stats` and cleared by `POST /_sim/reset`.
 */
export type PathKind = 'inquiry' | 'verification' | 'report' | 'other';

export interface CallCounts {
  requests: number;
  inquiry: number;
  verification: number;
  report: number;
  other: number;
  /** 429 answers, from the window or forced by a fault. */
  rateLimited: number;
  /** 5xx answers (injected faults). */
  serverErrors: number;
}

export interface SimStats {
  /** Every request under /api/v1, whatever it was answered with. */
  totals: CallCounts;
  /** Requests received and not yet answered (e.g. waiting out injected latency). */
  inFlight: number;
  unauthorized: number;
  notFound: number;
  /** Response count per HTTP status. */
  statuses: Record<string, number>;
  /** Per inquiry id, including calls for its verifications and reports. */
  byInquiry: Record<string, CallCounts>;
}

export interface SimStatsRecorder {
  /** A request arrived (it is counted by `record` when answered). */
  start(): void;
  record(kind: PathKind, inquiryId: string | null, status: number): void;
  snapshot(): SimStats;
  reset(): void;
}

const zero = (): CallCounts => ({
  requests: 0,
  inquiry: 0,
  verification: 0,
  report: 0,
  other: 0,
  rateLimited: 0,
  serverErrors: 0,
});

function add(counts: CallCounts, kind: PathKind, status: number): void {
  counts.requests += 1;
  counts[kind] += 1;
  if (status === 429) counts.rateLimited += 1;
  if (status >= 500) counts.serverErrors += 1;
}

export function createSimStats(): SimStatsRecorder {
  let totals = zero();
  let unauthorized = 0;
  let notFound = 0;
  let statuses = new Map<number, number>();
  let byInquiry = new Map<string, CallCounts>();
  let inFlight = 0;

  return {
    start() {
      inFlight += 1;
    },
    record(kind, inquiryId, status) {
      inFlight = Math.max(0, inFlight - 1);
      add(totals, kind, status);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status === 401) unauthorized += 1;
      if (status === 404) notFound += 1;
      if (inquiryId === null) return;
      let counts = byInquiry.get(inquiryId);
      if (!counts) byInquiry.set(inquiryId, (counts = zero()));
      add(counts, kind, status);
    },
    snapshot() {
      return {
        totals: { ...totals },
        inFlight,
        unauthorized,
        notFound,
        statuses: Object.fromEntries([...statuses].map(([status, n]) => [String(status), n])),
        byInquiry: Object.fromEntries([...byInquiry].map(([id, counts]) => [id, { ...counts }])),
      };
    },
    reset() {
      totals = zero();
      unauthorized = 0;
      notFound = 0;
      statuses = new Map();
      byInquiry = new Map();
    },
  };
}
