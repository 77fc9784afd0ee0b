import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declaredMetrics, passedGovernmentId } from '../helpers/metrics.js';
import { buildInquiryEventBody } from '../helpers/persona-webhook.js';
import { postWebhook, runUntilIdle } from '../helpers/pipeline.js';
import { interceptInquiry } from '../helpers/persona-nock.js';
import { createTestContext, TEST_DOWNSTREAM_SECRET, type TestContext } from '../helpers/test-app.js';

const ROOT = resolve(import.meta.dirname, '../..');
const ALERTS = join(ROOT, 'deploy/prometheus/alerts.yml');
const ALERT_TESTS = join(ROOT, 'deploy/prometheus/alerts.test.yml');
const DASHBOARD = join(ROOT, 'deploy/grafana/persona-decider.json');

/** promtool comes with Debian's `prometheus` package (.ci/run installs it); without it those checks say why. */
const PROMTOOL_SKIP_REASON = spawnSync('promtool', ['--version']).status === 0 ? null : 'promtool not on PATH';

/** Every PromQL expression of the dashboard (panel targets and template queries), with Grafana's variables. */
function dashboardExpressions(): string[] {
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if ((key === 'expr' || key === 'definition') && typeof value === 'string') found.push(value);
        else walk(value);
      }
    }
  };
  walk(JSON.parse(readFileSync(DASHBOARD, 'utf8')));
  return found;
}

/** The service's metric names an expression uses (`up` and recording rules are not the service's). */
function metricNames(expr: string): string[] {
  return expr.match(/\b(persona_decider|process|nodejs)_[a-z0-9_]+/g) ?? [];
}

/** The exported family a name belongs to: itself, or the histogram it is a _bucket/_sum/_count series of. */
function isExported(name: string, families: Map<string, string>): boolean {
  if (families.has(name)) return true;
  const family = name.replace(/_(bucket|sum|count)$/, '');
  return families.get(family) === 'histogram';
}

describe('deploy/: the dashboard, the alerts and promtool', () => {
  let ctx: TestContext;
  let scrape = '';
  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    ctx = await createTestContext({
      env: { DOWNSTREAM_URL: 'https://consumer.test/hooks', DOWNSTREAM_SIGNING_SECRET: TEST_DOWNSTREAM_SECRET },
    });
    // some traffic first, so every labelled family has samples for promtool to lint
    await postWebhook(ctx, buildInquiryEventBody({ eventId: 'evt_d1', inquiryId: 'inq_d1' }));
    interceptInquiry('inq_d1', [passedGovernmentId('ver_d1')]);
    nock('https://consumer.test').post('/hooks').reply(204);
    await runUntilIdle(ctx);
    // a real scrape, over loopback, of the listening service
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = ctx.app.server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    scrape = await res.text();
  });
  afterAll(async () => {
    nock.cleanAll();
    nock.enableNetConnect();
    await ctx.cleanup();
  });

  it('the Grafana dashboard queries only metrics the service exports', () => {
    const families = declaredMetrics(scrape);
    const expressions = dashboardExpressions();
    expect(expressions.length).toBeGreaterThan(20);
    const used = new Set(expressions.flatMap(metricNames));
    expect(used.size).toBeGreaterThan(15);
    expect([...used].filter((name) => !isExported(name, families))).toEqual([]);
  });

  it('the alerts use only metrics the service exports (and up{})', () => {
    const families = declaredMetrics(scrape);
    const expressions = [
      ...readFileSync(ALERTS, 'utf8').matchAll(/^\s+expr: (?:>-\n)?([\s\S]*?)\n\s+(?:for|labels):/gm),
    ];
    expect(expressions.length).toBeGreaterThan(10);
    const used = new Set(expressions.flatMap((match) => metricNames(match[1] ?? '')));
    expect([...used].filter((name) => !isExported(name, families))).toEqual([]);
  });

  describe.skipIf(PROMTOOL_SKIP_REASON !== null)(
    `promtool${PROMTOOL_SKIP_REASON ? ` (skipped: ${PROMTOOL_SKIP_REASON})` : ''}`,
    () => {
      const promtool = (args: string[], input?: string) =>
        spawnSync('promtool', args, { cwd: ROOT, encoding: 'utf8', ...(input === undefined ? {} : { input }) });

      it('check rules: deploy/prometheus/alerts.yml', () => {
        const result = promtool(['check', 'rules', ALERTS]);
        expect(result.stdout + result.stderr).toContain('SUCCESS');
        expect(result.status).toBe(0);
      });

      it('test rules: deploy/prometheus/alerts.test.yml', () => {
        const result = promtool(['test', 'rules', ALERT_TESTS]);
        expect(result.stdout + result.stderr).toContain('SUCCESS');
        expect(result.status).toBe(0);
      });

      it('check metrics: a scrape of the running service lints clean', () => {
        const result = promtool(['check', 'metrics'], scrape);
        expect(result.stdout + result.stderr).toBe('');
        expect(result.status).toBe(0);
      });

      it("the dashboard's queries parse as PromQL", () => {
        // each expression as a recording rule, Grafana's variables replaced by values, checked by promtool's parser
        const rules = dashboardExpressions()
          .filter((expr) => !expr.startsWith('label_values('))
          .map((expr, i) => ({
            record: `dashboard:query_${i}`,
            expr: expr.replaceAll('$__rate_interval', '5m').replaceAll('$job', '.*'),
          }));
        const file = join(ctx.dir, 'dashboard-rules.yml');
        writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard', rules }] }));
        const output = execFileSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
        expect(output).toContain(`SUCCESS: ${rules.length} rules found`);
      });
    },
  );
});
