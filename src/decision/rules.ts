import { type ASTNode, Environment } from '@marcbachmann/cel-js';
import type { Evidence } from './evidence.js';
import { splitAttempts } from './evidence.js';
import type { Outcome } from './outcome.js';

/**
 * Policy rules written in CEL (Common Expression Language, https://github.com/google/cel-spec), evaluated with
 * @marcbachmann/cel-js. A rule sees one typed, PII-free object built from the evidence (`ruleInput`): the same for
 * live decisions, the backtest and the shadow policy. Expressions are parsed and type-checked once, when the policy
 * is loaded; a syntax or type error, or an expression whose worst case costs too much, is a startup error.
 */
export interface RuleSpec {
  /** snake_case; the reason code is `rule_<name>`. */
  name: string;
  /** A CEL expression of type bool. */
  when: string;
  /** The outcome the rule asks for when `when` is true. */
  then: Outcome;
}

/** A rule whose expression passed the checks: `test` evaluates it (and throws on an evaluation error). */
export interface CompiledRule extends RuleSpec {
  /** Its worst-case evaluation steps (estimateCost), at most RULE_COST_LIMIT. */
  cost: number;
  test(input: RuleInput): unknown;
}

/** Longest accepted expression, in characters: rules are one-liners, and a bound keeps parsing cheap. */
export const RULE_EXPRESSION_MAX_LENGTH = 1000;
/** Lists and maps in the rule input longer than this make every rule a `rule_error` (the cost bound assumes it). */
export const RULE_INPUT_MAX_ITEMS = 100;
/**
 * Worst-case evaluation steps a rule may cost (see `estimateCost`), and all the rules of one policy (or template)
 * together, as Kubernetes bounds admission CEL. A step is one AST node evaluated: well under a microsecond.
 */
export const RULE_COST_LIMIT = 1_000_000;
export const RULES_TOTAL_COST_LIMIT = 5_000_000;

export const RULE_NAME_PATTERN = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

/** The comprehension macros: each runs its body once per element of the list (or key of the map) it is called on. */
const COMPREHENSIONS = new Set(['all', 'exists', 'exists_one', 'filter', 'map']);

/**
 * Functions a rule may not call. `matches` runs a JavaScript RegExp in cel-js, which backtracks: a pattern such as
 * `^(a+)+$` takes seconds on a 25-character tag, and a rule runs on the worker's event loop. CEL specifies RE2
 * (linear time), which cel-js does not provide and does not let an environment replace.
 */
const REFUSED_FUNCTIONS: ReadonlyMap<string, string> = new Map([
  [
    'matches',
    'matches() is not available in rules: its regular expressions can backtrack for seconds on one value and stall ' +
      'the worker; use contains(), startsWith(), endsWith() or ==',
  ],
]);

interface CheckInput {
  name: string;
  status: string;
  requirement?: string;
  reasons: string[];
}

interface VerificationInput {
  id: string;
  type: string;
  status: string;
  createdAt: string;
  completedAt?: string;
  latest: boolean;
  checks: CheckInput[];
}

interface ReportInput {
  id: string;
  type: string;
  status: string;
  hasMatch?: boolean;
  matchDismissed: boolean;
  createdAt: string;
  completedAt?: string;
}

/**
 * What a rule sees (docs/decision-policy.md#rules). Persona's nulls become absent fields, as in CEL's protobuf
 * messages: a rule tests them with `has()`. Numbers in `behaviors` are doubles; CEL compares them with ints.
 */
export interface RuleInput {
  inquiry: {
    id: string;
    status: string;
    templateId?: string;
    tags: string[];
    behaviors: Record<string, number | boolean>;
  };
  verifications: VerificationInput[];
  reports: ReportInput[];
}

/**
 * The rule input's objects are instances of the types registered below: cel-js converts a plain object to its
 * registered type only where a variable holds it, so `verifications[0].status` would fail on plain list items
 * (comprehensions happened to work). Fields that are absent stay absent (`has()`).
 */
class CelCheck {}
class CelVerification {}
class CelReport {}
class CelInquiry {}

const asCel = <T extends object>(Type: new () => object, fields: T): T => Object.assign(new Type(), fields);

let environment: Environment | undefined;

/** Built once: the library's own advice, an Environment is expensive to make. */
function ruleEnvironment(): Environment {
  environment ??= new Environment({
    limits: { maxAstNodes: 500, maxDepth: 32, maxListElements: 100, maxMapEntries: 100, maxCallArguments: 8 },
  })
    .registerType('Check', {
      ctor: CelCheck,
      fields: { name: 'string', status: 'string', requirement: 'string', reasons: 'list<string>' },
    })
    .registerType('Verification', {
      ctor: CelVerification,
      fields: {
        id: 'string',
        type: 'string',
        status: 'string',
        createdAt: 'string',
        completedAt: 'string',
        latest: 'bool',
        checks: 'list<Check>',
      },
    })
    .registerType('Report', {
      ctor: CelReport,
      fields: {
        id: 'string',
        type: 'string',
        status: 'string',
        hasMatch: 'bool',
        matchDismissed: 'bool',
        createdAt: 'string',
        completedAt: 'string',
      },
    })
    .registerType('Inquiry', {
      ctor: CelInquiry,
      fields: {
        id: 'string',
        status: 'string',
        templateId: 'string',
        tags: 'list<string>',
        behaviors: 'map<string, dyn>',
      },
    })
    .registerVariable('inquiry', 'Inquiry')
    .registerVariable('verifications', 'list<Verification>')
    .registerVariable('reports', 'list<Report>');
  return environment;
}

/**
 * Parses and type-checks one rule. Returns the compiled rule, or a problem naming the position (1-based column) so
 * the policy loader can report every bad rule at once.
 */
export function compileRule(spec: RuleSpec): { rule: CompiledRule } | { problem: string } {
  if (spec.when.length > RULE_EXPRESSION_MAX_LENGTH) {
    return { problem: `is ${spec.when.length} characters long; at most ${RULE_EXPRESSION_MAX_LENGTH}` };
  }
  const env = ruleEnvironment();
  let evaluate: ReturnType<Environment['parse']>;
  try {
    evaluate = env.parse(spec.when);
  } catch (error) {
    return { problem: celProblem('syntax error', error) };
  }
  const refused = refusedCall(evaluate.ast);
  if (refused) return { problem: refused };
  const checked = env.check(spec.when);
  if (!checked.valid) return { problem: celProblem('type error', checked.error) };
  if (checked.type !== 'bool') return { problem: `must be a bool expression, not ${String(checked.type)}` };
  const cost = estimateCost(evaluate.ast);
  if (cost > RULE_COST_LIMIT) {
    return {
      problem:
        `may cost ${cost} evaluation steps (at most ${RULE_COST_LIMIT}, counting ${RULE_INPUT_MAX_ITEMS} items ` +
        'per list): nest fewer comprehensions',
    };
  }
  return { rule: { ...spec, cost, test: (input) => evaluate(input) } };
}

/** The first call of a refused function, as a problem naming its position; null when there is none. */
function refusedCall(node: ASTNode): string | null {
  if (node.op === 'rcall' || node.op === 'call') {
    const name = (node.args as unknown[])[0];
    const why = typeof name === 'string' ? REFUSED_FUNCTIONS.get(name) : undefined;
    if (why !== undefined) return `refused at column ${((node as { start?: number }).start ?? 0) + 1}: ${why}`;
  }
  for (const child of childNodes(node)) {
    const found = refusedCall(child);
    if (found) return found;
  }
  return null;
}

function celProblem(kind: string, error: unknown): string {
  const cel = error as { summary?: string; range?: { start: number } | null; message?: string };
  const summary = cel.summary ?? cel.message ?? String(error);
  const at = cel.range ? ` at column ${cel.range.start + 1}` : '';
  return `${kind}${at}: ${summary}`;
}

/**
 * A worst-case count of evaluation steps: every node costs one, and a comprehension's body costs once per element
 * of the list it runs over: the literal's length, or RULE_INPUT_MAX_ITEMS for anything else (an input list, or a
 * list built from one). Three nested comprehensions over the evidence exceed the limit; two do not. CEL has
 * no loops or recursion, so this bounds the time a rule can take.
 */
export function estimateCost(node: ASTNode): number {
  if (node.op === 'rcall') {
    const [name, target, args] = node.args as [string, ASTNode, ASTNode[]];
    const argsCost = args.reduce((sum, arg) => sum + estimateCost(arg), 0);
    const perElement = COMPREHENSIONS.has(name) ? listBound(target) : 1;
    return 1 + estimateCost(target) + perElement * argsCost;
  }
  return 1 + childNodes(node).reduce((sum, child) => sum + estimateCost(child), 0);
}

function listBound(node: ASTNode): number {
  if (node.op === 'list') return (node.args as ASTNode[]).length;
  if (node.op === 'map') return (node.args as unknown[]).length;
  if (node.op === '+') return (node.args as ASTNode[]).reduce((sum, part) => sum + listBound(part), 0);
  return RULE_INPUT_MAX_ITEMS;
}

function childNodes(node: ASTNode): ASTNode[] {
  const found: ASTNode[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (isNode(value)) found.push(value);
  };
  visit(node.args);
  return found;
}

function isNode(value: unknown): value is ASTNode {
  return typeof value === 'object' && value !== null && 'op' in value && 'args' in value;
}

/**
 * The rule input for one inquiry's evidence. Built once per decision; every rule reads the same object. Null
 * fields are left out (see RuleInput).
 */
export function ruleInput(evidence: Evidence): RuleInput {
  const latest = new Set(splitAttempts(evidence.verifications).latest.map((v) => v.id));
  return {
    inquiry: asCel(CelInquiry, {
      id: evidence.inquiryId,
      status: evidence.inquiryStatus,
      ...(evidence.templateId === null ? {} : { templateId: evidence.templateId }),
      tags: [...evidence.tags],
      behaviors: { ...evidence.behaviors },
    }),
    verifications: evidence.verifications.map((v) =>
      asCel(CelVerification, {
        id: v.id,
        type: v.type,
        status: v.status,
        createdAt: v.createdAt,
        ...(v.completedAt === null ? {} : { completedAt: v.completedAt }),
        latest: latest.has(v.id),
        checks: v.checks.map((c) =>
          asCel(CelCheck, {
            name: c.name,
            status: c.status,
            ...(c.requirement === null ? {} : { requirement: c.requirement }),
            reasons: [...c.reasons],
          }),
        ),
      }),
    ),
    reports: evidence.reports.map((r) =>
      asCel(CelReport, {
        id: r.id,
        type: r.type,
        status: r.status,
        ...(r.hasMatch === null ? {} : { hasMatch: r.hasMatch }),
        matchDismissed: r.matchDismissedAt !== undefined,
        createdAt: r.createdAt,
        ...(r.completedAt === null ? {} : { completedAt: r.completedAt }),
      }),
    ),
  };
}

/** Whether the input stays within the sizes the cost bound assumes; larger evidence is not evaluated at all. */
export function withinRuleBounds(input: RuleInput): boolean {
  const sizes = [
    input.inquiry.tags.length,
    Object.keys(input.inquiry.behaviors).length,
    input.verifications.length,
    input.reports.length,
    ...input.verifications.flatMap((v) => [v.checks.length, ...v.checks.map((c) => c.reasons.length)]),
  ];
  return sizes.every((size) => size <= RULE_INPUT_MAX_ITEMS);
}

export type RuleResult = { rule: CompiledRule; matched: boolean } | { rule: CompiledRule; error: string };

/** Evaluates every rule; an error or a non-bool result is that rule's error, never a throw and never a match. */
export function evaluateRules(rules: readonly CompiledRule[], evidence: Evidence): RuleResult[] {
  if (rules.length === 0) return [];
  const input = ruleInput(evidence);
  if (!withinRuleBounds(input)) {
    const error = `the evidence has more than ${RULE_INPUT_MAX_ITEMS} items in a list, beyond what rules are bounded for`;
    return rules.map((rule) => ({ rule, error }));
  }
  return rules.map((rule) => {
    try {
      const value = rule.test(input);
      if (typeof value !== 'boolean') return { rule, error: `evaluated to ${typeof value}, not bool` };
      return { rule, matched: value };
    } catch (error) {
      const summary = (error as { summary?: string }).summary ?? (error instanceof Error ? error.message : 'failed');
      return { rule, error: summary.slice(0, 200) };
    }
  });
}
