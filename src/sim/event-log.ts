/**
 * The simulator's record of the events Persona "created": every event a simulator sender sends (delivered or, with
 * `lose`, not), listed by `GET /api/v1/events` as Persona lists them (OAS `paths/events.yaml`): newest first by
 * `created-at`, `filter[name]` (comma-separated names), cursor pagination with `page[after]` (an event id) and
 * `page[size]` (1–100, default 10), `links.next` while more remain.
 */
export interface EventLog {
  add(event: LoggedEvent): void;
  list(query: { names?: readonly string[]; after?: string; size?: number }): EventListPage;
  clear(): void;
}

/** An event as Persona serves it (the webhook body's `data`). */
export interface LoggedEvent {
  type: 'event';
  id: string;
  attributes: { name: string; 'created-at': string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface EventListPage {
  data: LoggedEvent[];
  links: { prev: string | null; next: string | null };
}

const DEFAULT_SIZE = 10;
const MAX_SIZE = 100;

export function createEventLog(): EventLog {
  const events = new Map<string, LoggedEvent>();
  const newestFirst = (): LoggedEvent[] =>
    [...events.values()].sort(
      (a, b) =>
        Date.parse(b.attributes['created-at']) - Date.parse(a.attributes['created-at']) || b.id.localeCompare(a.id),
    );
  return {
    add(event) {
      events.set(event.id, event);
    },
    list({ names, after, size }) {
      const pageSize = Math.min(MAX_SIZE, Math.max(1, size ?? DEFAULT_SIZE));
      const matching = newestFirst().filter((e) => !names || names.length === 0 || names.includes(e.attributes.name));
      const start = after === undefined ? 0 : matching.findIndex((e) => e.id === after) + 1;
      const data = start === 0 && after !== undefined ? [] : matching.slice(start, start + pageSize);
      const last = data.at(-1);
      const more = start + pageSize < matching.length;
      const query = (cursor: string) =>
        `/api/v1/events?${new URLSearchParams({
          ...(names && names.length > 0 ? { 'filter[name]': names.join(',') } : {}),
          'page[size]': String(pageSize),
          'page[after]': cursor,
        }).toString()}`;
      return { data, links: { prev: null, next: more && last ? query(last.id) : null } };
    },
    clear() {
      events.clear();
    },
  };
}
