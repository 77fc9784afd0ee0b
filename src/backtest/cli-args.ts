import { parseArgs } from 'node:util';
import { SCAN_BATCH_SIZE } from '../store/current-decisions.js';

export const USAGE = `Usage: npm run policy -- <command> [options]      (in the image: node dist/policy-cli.js <command> …)

  check <policy.json> [--json]
      Validates a decision policy file as the service does at startup (DECISION_POLICY_FILE) and prints its
      version and the normalized policy: every default filled in, each template as its effective content.

  backtest <policy.json> [--since <date>] [--until <date>] [--template <itmpl_…>] [--json] [--stats]
      Re-decides the evidence stored with each inquiry's current decision under the candidate policy and prints
      how the outcomes would move (stored → candidate: counts and example inquiry ids), decisions taken on
      Persona's own status apart, and the reason codes that changed most. Reads the database of DATABASE_URL
      (environment or .env, as the service: default sqlite:./data/decisions.db) read-only; never calls Persona,
      never writes, never migrates.

      --since <date>        only decisions decided at or after it: 2026-11-01 (UTC midnight) or an ISO-8601
                            instant with a zone (2026-11-01T12:00:00Z, 2026-11-01T13:00+01:00)
      --until <date>        only decisions decided before it (exclusive)
      --template <id>       only inquiries of this inquiry template (the evidence's templateId)
      --json                one JSON document on stdout, for machines
      --stats               rows per second and peak RSS on stderr
      --batch-size <n>      rows read per query (default ${SCAN_BATCH_SIZE})

  --help                  this text

Exit codes: 0 done, 1 the policy, the configuration or the database failed (one line on stderr), 2 bad usage.`;

export type PolicyCommand =
  | { command: 'help' }
  | { command: 'check'; file: string; json: boolean }
  | {
      command: 'backtest';
      file: string;
      json: boolean;
      stats: boolean;
      since: string | undefined;
      until: string | undefined;
      templateId: string | undefined;
      batchSize: number;
    };

export type ParsedArgs = { ok: true; value: PolicyCommand } | { ok: false; problems: string[] };

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
  stats: { type: 'boolean' },
  since: { type: 'string' },
  until: { type: 'string' },
  template: { type: 'string' },
  'batch-size': { type: 'string' },
} as const;

const BACKTEST_ONLY = ['since', 'until', 'template', 'stats', 'batch-size'] as const;

// the policy file's own rule for template ids (src/decision/policy.ts)
const TEMPLATE_ID = /^(itmpl|tmpl)_[A-Za-z0-9]+$/;

/** argv (after the script name) → a command, or every problem with it. Pure. */
export function parsePolicyArgs(argv: readonly string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    // node's messages go on to explain `--`; the first sentence says what is wrong
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, problems: [message.split('. ')[0] ?? message] };
  }
  const { values, positionals } = parsed;
  if (values.help) return { ok: true, value: { command: 'help' } };
  const [command, file, ...extra] = positionals;
  if (command === undefined) return { ok: false, problems: ['name a command: check or backtest'] };
  if (command === 'help') return { ok: true, value: { command: 'help' } };
  if (command !== 'check' && command !== 'backtest') {
    return { ok: false, problems: [`unknown command "${command}": use check or backtest`] };
  }
  const problems: string[] = [];
  if (file === undefined) problems.push(`${command} needs a policy file: npm run policy -- ${command} <policy.json>`);
  if (extra.length > 0) problems.push(`unexpected argument(s): ${extra.join(' ')}`);
  if (command === 'check') {
    for (const key of BACKTEST_ONLY) if (values[key] !== undefined) problems.push(`--${key} applies to backtest only`);
    if (problems.length > 0 || file === undefined) return { ok: false, problems };
    return { ok: true, value: { command, file, json: values.json ?? false } };
  }
  const since = optionalInstant('--since', values.since, problems);
  const until = optionalInstant('--until', values.until, problems);
  if (since !== undefined && until !== undefined && since >= until) problems.push('--since must be before --until');
  const templateId = values.template;
  if (templateId !== undefined && !TEMPLATE_ID.test(templateId)) {
    problems.push(`--template must be an inquiry template id (itmpl_… or tmpl_…), not "${templateId}"`);
  }
  const batchSize = parseBatchSize(values['batch-size'], problems);
  if (problems.length > 0 || file === undefined) return { ok: false, problems };
  return {
    ok: true,
    value: {
      command,
      file,
      json: values.json ?? false,
      stats: values.stats ?? false,
      since,
      until,
      templateId,
      batchSize,
    },
  };
}

function optionalInstant(flag: string, text: string | undefined, problems: string[]): string | undefined {
  if (text === undefined) return undefined;
  const instant = parseInstant(text);
  if (instant === null) {
    problems.push(`${flag} must be a date (2026-11-01) or an ISO-8601 instant with a zone (2026-11-01T12:00:00Z)`);
  }
  return instant ?? undefined;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,3})?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

/**
 * A date (UTC midnight) or an instant with an explicit zone → the ISO-8601 form decisions store (`decided_at`,
 * toISOString), so a string comparison in SQL is a time comparison. No zone, no guess: local time is refused.
 */
export function parseInstant(text: string): string | null {
  const match = DATE.exec(text) ?? INSTANT.exec(text);
  if (!match || !isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3]))) return null;
  const ms = Date.parse(DATE.test(text) ? `${text}T00:00:00.000Z` : text);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function parseBatchSize(text: string | undefined, problems: string[]): number {
  if (text === undefined) return SCAN_BATCH_SIZE;
  const size = Number(text);
  if (!/^\d+$/.test(text) || size < 1 || size > 10_000) {
    problems.push('--batch-size must be a whole number from 1 to 10000');
    return SCAN_BATCH_SIZE;
  }
  return size;
}
