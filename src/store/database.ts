import type { Generated, Kysely } from 'kysely';

/**
 * Table types shared by both dialects. Instants the queue compares (run_at, locked_until, …) are epoch
 * milliseconds in integer columns, so claim queries are plain numeric comparisons on SQLite and PostgreSQL alike;
 * instants that are only shown are ISO-8601 text. JSON columns are text: the store serializes them.
 */
export interface Database {
  persona_events: PersonaEventTable;
  inquiries: InquiryTable;
  jobs: JobTable;
  decisions: DecisionTable;
  deliveries: DeliveryTable;
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

export type Db = Kysely<Database>;
export type Dialect = 'sqlite' | 'postgres';
