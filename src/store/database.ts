import type { Generated, Kysely } from 'kysely';
import type { Logger } from '../logger.js';

/**
 * Table types shared by both dialects. Instants the queue compares (run_at, locked_until, …) are epoch
 * milliseconds in integer columns, so claim queries are plain numeric comparisons on SQLite and PostgreSQL alike;
 * instants that are only shown are ISO-8601 text. JSON columns are text: the store serializes them.
 */
export interface Database {
  persona_events: PersonaEventTable;
  inquiries: InquiryTable;
  jobs: JobTable;
  failed_jobs: FailedJobTable;
  decisions: DecisionTable;
  decision_history: DecisionHistoryTable;
  write_backs: WriteBackTable;
  reconciliations: ReconciliationTable;
  deliveries: DeliveryTable;
  rate_budget: RateBudgetTable;
  rate_budget_grants: RateBudgetGrantTable;
  audit_log: AuditLogTable;
  delivery_attempts: DeliveryAttemptTable;
}

export interface PersonaEventTable {
  event_id: string;
  name: string;
  object_type: string;
  object_id: string;
  inquiry_id: string | null;
  persona_created_at: string;
  received_at: string;
  disposition: 'accepted' | 'ignored';
  attempts_made: number | null;
  attempts_left: number | null;
  first_attempted_at: string | null;
}

export interface InquiryTable {
  inquiry_id: string;
  status: 'processing' | 'decided' | 'failed';
  last_event_id: string;
  last_event_created_at: string;
  first_seen_at: string;
  error: string | null;
  updated_at: string;
}

export interface JobTable {
  id: Generated<number>;
  kind: string;
  key: string;
  queue: string | null;
  payload: string;
  attempts: number;
  run_at: number;
  locked_by: string | null;
  locked_until: number | null;
  last_error: string | null;
  created_at: number;
}

/** A job taken out of the queue because it can never run (its payload does not parse): kept for operators. */
export interface FailedJobTable {
  id: number;
  kind: string;
  key: string;
  queue: string | null;
  payload: string;
  attempts: number;
  last_error: string;
  created_at: number;
  failed_at: number;
}

export interface DecisionTable {
  decision_id: string;
  inquiry_id: string;
  sequence: number;
  event_id: string;
  event_created_at: string;
  outcome: string;
  reasons: string;
  policy_version: string;
  evidence: string;
  persona_calls: number;
  decided_at: string;
  /** Null on decisions stored before the lifecycle migration. */
  event_name: string | null;
  reference_id: string | null;
  /** The shadow policy's decision (JSON), kept up to date by same-outcome re-evaluations; null without one. */
  shadow: string | null;
  /** An operator's review: the reviewer (the token's name); null (or absent before the audit migration) otherwise. */
  reviewed_by?: string | null;
}

/** A re-evaluation that kept the decision's outcome: no new decision or delivery, one line of its history. */
/** One run of the reconciliation sweep (GET /reconciliations). */
export interface ReconciliationTable {
  run_id: string;
  started_at: string;
  finished_at: string | null;
  status: string;
  stop_at: string;
  pages: number;
  found: number;
  new_events: number;
  newest_event_at: string | null;
  error: string | null;
}

/** PERSONA_WRITE_BACK: what the service told (or will tell) Persona about one decision. */
export interface WriteBackTable {
  decision_id: string;
  inquiry_id: string;
  action: string;
  status: string;
  detail: string | null;
  attempts: number;
  created_at: string;
  updated_at: string;
}

export interface DecisionHistoryTable {
  history_id: string;
  decision_id: string;
  inquiry_id: string;
  event_id: string;
  event_name: string | null;
  event_created_at: string;
  persona_status: string;
  policy_version: string;
  recorded_at: string;
}

export interface DeliveryTable {
  delivery_id: string;
  decision_id: string;
  inquiry_id: string;
  sequence: number;
  status: 'pending' | 'delivered' | 'failed';
  body: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  next_attempt_at: number | null;
  created_at: number;
  /** When the current retry schedule began: creation, or an operator's "retry now". */
  schedule_started_at: number;
  delivered_at: number | null;
}

/** One shared client-side rate budget (Persona's per-environment limit), as last reported by any replica. */
export interface RateBudgetTable {
  name: string;
  limit_per_window: number | null;
  remaining: number | null;
  reset_at: number | null;
  next_grant_at: number;
  updated_at: number;
}

/** A granted request whose response has not been observed yet; it stops counting at `expires_at` (a dead replica). */
export interface RateBudgetGrantTable {
  grant_id: string;
  name: string;
  expires_at: number;
}

/** One operator action (append-only: no code path updates or deletes a row). */
export interface AuditLogTable {
  audit_id: string;
  at: string;
  actor: string;
  action: string;
  target: string;
  inquiry_id: string | null;
  note: string | null;
  /** JSON text: ids the action made (the new decision, the new delivery); never personal data. */
  detail: string | null;
}

/** One attempt to deliver a decision downstream. */
export interface DeliveryAttemptTable {
  attempt_id: string;
  delivery_id: string;
  attempt: number;
  at: string;
  status: number | null;
  error: string | null;
  duration_ms: number;
}

export type Db = Kysely<Database>;
export type Dialect = 'sqlite' | 'postgres';

/** What the store logs (connection trouble only): a subset of the app's pino logger. */
export type StoreLogger = Pick<Logger, 'info' | 'warn' | 'error'>;
