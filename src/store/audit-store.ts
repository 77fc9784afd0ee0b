import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database, Db } from './database.js';
import { parseRow } from './parse-row.js';

export const AUDIT_ACTIONS = ['review', 'redeliver', 'retry_delivery', 'reprocess'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** What an operator did: who (the token's name), what, to which target, and the note they typed. */
export interface AuditInput {
  actor: string;
  action: AuditAction;
  /** The inquiry or delivery acted on. */
  target: string;
  /** The inquiry concerned (a delivery's too), so one inquiry's trail lists everything done about it. */
  inquiryId: string | null;
  note: string | null;
  /** Ids the action made (the new decision, the new delivery): never personal data. */
  detail?: Record<string, string | number | null> | undefined;
}

/** The operator who asked, for the audit trail (written in the action's transaction). */
export type AuditBy = Pick<AuditInput, 'actor' | 'note'>;

export interface AuditEntry extends Omit<AuditInput, 'detail'> {
  auditId: string;
  at: string;
  /**
   * What the action made (AuditInput.detail) as stored: any JSON object, so a newer version's keys still show; null
   * when the action recorded none, or when the stored text is not a JSON object (see readDetail).
   */
  detail: Record<string, unknown> | null;
}

export interface AuditPage {
  items: AuditEntry[];
  nextCursor: string | null;
}

export interface AuditStore {
  /** Newest first; `target` matches an entry's target or its inquiry. */
  list(query: { target?: string | undefined; limit: number; cursor?: string | undefined }): Promise<AuditPage>;
}

/**
 * Appends one entry with the caller's transaction, so an action and its record commit together. The trail is
 * append-only: nothing in the service updates or deletes an audit row.
 */
export async function appendAudit(trx: Kysely<Database>, input: AuditInput, at: number): Promise<string> {
  const auditId = `aud_${randomUUID().replaceAll('-', '')}`;
  await trx
    .insertInto('audit_log')
    .values({
      audit_id: auditId,
      at: new Date(at).toISOString(),
      actor: input.actor,
      action: input.action,
      target: input.target,
      inquiry_id: input.inquiryId,
      note: input.note,
      detail: input.detail === undefined ? null : JSON.stringify(input.detail),
    })
    .execute();
  return auditId;
}

// `detail` is read apart (readDetail): an entry whose detail cannot be read is still listed
const rowSchema = z
  .object({
    audit_id: z.string(),
    at: z.string(),
    actor: z.string(),
    action: z.enum(AUDIT_ACTIONS),
    target: z.string(),
    inquiry_id: z.string().nullable(),
    note: z.string().nullable(),
  })
  .transform((row): Omit<AuditEntry, 'detail'> => ({
    auditId: row.audit_id,
    at: row.at,
    actor: row.actor,
    action: row.action,
    target: row.target,
    inquiryId: row.inquiry_id,
    note: row.note,
  }));

const detailSchema = z.record(z.string(), z.unknown());

/**
 * A stored `detail`: the JSON object, or null. Text that is not a JSON object (a hand-edited or damaged row) is null
 * too, and reported through `unreadable`, rather than failing the whole page: the detail only adds ids to an entry,
 * while the entry itself (who did what, to what) is the trail.
 */
export function readDetail(text: string | null): { detail: Record<string, unknown> | null; unreadable: boolean } {
  if (text === null) return { detail: null, unreadable: false };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { detail: null, unreadable: true };
  }
  const parsed = detailSchema.safeParse(value);
  return parsed.success ? { detail: parsed.data, unreadable: false } : { detail: null, unreadable: true };
}

export interface AuditStoreOptions {
  db: Db;
  /** Told the id of each listed entry whose stored detail is not a JSON object (listed with `detail: null`). */
  onUnreadableDetail?: (auditId: string) => void;
}

export function createAuditStore(options: AuditStoreOptions): AuditStore {
  const { db, onUnreadableDetail } = options;
  const toEntry = (row: Record<string, unknown> & { audit_id: string; detail: string | null }): AuditEntry => {
    const entry = parseRow(rowSchema, row, `audit row ${row.audit_id}`);
    const { detail, unreadable } = readDetail(row.detail);
    if (unreadable) onUnreadableDetail?.(entry.auditId);
    return { ...entry, detail };
  };
  return {
    async list({ target, limit, cursor }) {
      let query = db
        .selectFrom('audit_log')
        .select(['audit_id', 'at', 'actor', 'action', 'target', 'inquiry_id', 'note', 'detail'])
        .orderBy('at', 'desc')
        .orderBy('audit_id', 'desc')
        .limit(limit + 1);
      if (target !== undefined) {
        query = query.where((eb) => eb.or([eb('target', '=', target), eb('inquiry_id', '=', target)]));
      }
      const after = cursor === undefined ? null : decodeAuditCursor(cursor);
      if (after) {
        query = query.where((eb) =>
          eb.or([eb('at', '<', after.at), eb.and([eb('at', '=', after.at), eb('audit_id', '<', after.auditId)])]),
        );
      }
      const rows = (await query.execute()).map(toEntry);
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      return { items, nextCursor: rows.length > limit && last ? encodeAuditCursor(last) : null };
    },
  };
}

function encodeAuditCursor(entry: AuditEntry): string {
  return Buffer.from(`${entry.at}|${entry.auditId}`).toString('base64url');
}

function decodeAuditCursor(cursor: string): { at: string; auditId: string } | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|(aud_[A-Za-z0-9]{1,64})$/.exec(text);
  return match?.[1] && match[2] ? { at: match[1], auditId: match[2] } : null;
}

export function isValidAuditCursor(cursor: string): boolean {
  return decodeAuditCursor(cursor) !== null;
}
