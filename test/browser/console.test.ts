import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inquiryIdFor } from '../../src/sim/inquiry-ids.js';
import { E2E_TIMEOUT_MS, E2E_TOKEN, E2eWorld } from '../e2e/harness.js';
import { pollUntil } from '../helpers/events.js';

/**
 * The operator console (console/, GET /console) in a real browser: Debian's chromium driven by playwright-core,
 * against the built service with the Persona simulator and the sink. Screenshots of the main pages at 1280 and
 * 360 px go to CONSOLE_SCREENSHOTS (default: a temp folder, printed); the best are kept in docs/console/.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OPERATOR_TOKEN = 'console-operator-token-0123456789abcdef0123';
const READER_TOKEN = 'console-reader-token-0123456789abcdef01234567';

// outside CI a missing browser skips the suite, saying why; CI installs chromium (.ci/run), so there it must run
const skipReason =
  !existsSync(CHROMIUM) && !process.env.CI
    ? `chromium not found at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`
    : !existsSync('dist/main.js')
      ? 'dist/main.js is missing: run npm run build (npm test does)'
      : undefined;
if (skipReason) console.warn(`test/browser/console.test.ts skipped: ${skipReason}`);

const REVIEWED = inquiryIdFor('watchlist-hit'); // manual_review: the queue's
const APPROVED = inquiryIdFor('all-passed');
const DEAD = inquiryIdFor('failed-liveness'); // declined, then refused by the sink until dead-lettered

describe.skipIf(skipReason !== undefined)(
  `the operator console in Chromium${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let world: E2eWorld;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    const shots = process.env.CONSOLE_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'persona-decider-console-shots-'));
    const problems: string[] = [];
    /** Set while a test provokes a 409 on purpose: Chromium logs every non-2xx fetch as a console error. */
    let expectedStatus: number | undefined;

    const api = (path: string, token = OPERATOR_TOKEN) =>
      fetch(`${world.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

    beforeAll(async () => {
      world = await E2eWorld.start({
        env: {
          // the harness reads decisions with E2E_TOKEN
          API_TOKENS: `e2e:${E2E_TOKEN},console-operator:${OPERATOR_TOKEN}`,
          API_READ_TOKENS: `console-reader:${READER_TOKEN}`,
          // a refused delivery is dead-lettered at its first 4xx
          DOWNSTREAM_MAX_CLIENT_ERROR_ATTEMPTS: '1',
        },
      });
      const sender = world.sender();
      await sender.send(world.event('watchlist-hit', { inquiryId: REVIEWED }));
      await sender.send(world.event('all-passed', { inquiryId: APPROVED }));
      await world.settled([REVIEWED, APPROVED]);
      // the sink refuses what comes next (410, not retryable): the decision of DEAD is dead-lettered
      world.stack.sink.setFailures({ alwaysStatus: 410 });
      await sender.send(world.event('failed-liveness', { inquiryId: DEAD }));
      await pollUntil(async () => {
        const { items } = (await (await api(`/deliveries?status=failed&inquiryId=${DEAD}`)).json()) as {
          items: unknown[];
        };
        return items.length > 0;
      });
      world.stack.sink.setFailures({});

      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      page = await context.newPage();
      watch(page);
      console.log(`console screenshots: ${shots}`);
    }, E2E_TIMEOUT_MS);

    afterAll(async () => {
      await browser?.close();
      await world?.close();
    });

    /** Every console error and uncaught exception of a page, for the last test. */
    function watch(p: Page): void {
      p.on('console', (message) => {
        if (message.type() !== 'error') return;
        if (expectedStatus && message.text().includes(`status of ${expectedStatus}`)) return;
        problems.push(`console error on ${p.url()}: ${message.text()}`);
      });
      p.on('pageerror', (error) => problems.push(`uncaught on ${p.url()}: ${error.message}`));
    }

    async function signIn(p: Page, token: string): Promise<void> {
      await p.goto(`${world.url}/console`);
      const field = p.getByLabel('API token');
      await field.waitFor();
      // keyboard only: the field has focus on load; type, then Enter submits
      await p.keyboard.type(token);
      await p.keyboard.press('Enter');
      await p.getByRole('button', { name: 'Sign out' }).waitFor();
    }

    async function shoot(p: Page, name: string): Promise<void> {
      await p.evaluate('window.scrollTo(0, 0)');
      await p.screenshot({ path: join(shots, `${name}.png`) });
    }

    it('signs in with a token typed at the keyboard, keeping it out of URLs and cookies', async () => {
      await page.goto(`${world.url}/console`);
      await page.getByLabel('API token').waitFor();
      await shoot(page, 'sign-in-1280');
      await signIn(page, OPERATOR_TOKEN);
      await page.getByRole('heading', { name: 'Review queue' }).waitFor();
      expect(page.url()).not.toContain(OPERATOR_TOKEN);
      expect(await context.cookies()).toEqual([]);
      const stored = await page.evaluate('Object.values(sessionStorage)');
      expect(stored).toEqual([OPERATOR_TOKEN]);
      expect(await page.evaluate('Object.keys(localStorage)')).toEqual([]);
      await page.getByText('console-operator · can operate').waitFor();
    });

    it('lists the manual review in the queue, oldest first, and explains it in plain words', async () => {
      const row = page.getByRole('row', { name: new RegExp(REVIEWED) });
      await row.waitFor();
      expect(await page.getByRole('link', { name: APPROVED }).count()).toBe(0);
      await shoot(page, 'queue-1280');
      await row.getByRole('link', { name: REVIEWED }).click();
      await page.getByRole('heading', { name: `Inquiry ${REVIEWED}` }).waitFor();
      await page.getByText('A screening report found a possible match').first().waitFor();
      await page.getByText('Watchlist report').first().waitFor();
      await page.getByRole('heading', { name: 'Every sequence' }).waitFor();
      await shoot(page, 'decision-1280');
    });

    it('reviews the decision with a required note and a confirmation; the new sequence reaches the sink', async () => {
      const form = page.getByRole('form', { name: 'Review' });
      await form.getByLabel('Approved').check();
      await form.getByRole('button', { name: 'Review…' }).click();
      await page.getByText('Write a note').waitFor(); // the note is required
      await form.getByLabel(/Note/).fill('Watchlist match is a namesake: different birth year in the report.');
      await form.getByRole('button', { name: 'Review…' }).click();
      await form.screenshot({ path: join(shots, 'review-confirm-1280.png') });
      await page.getByRole('button', { name: 'Confirm: Approved' }).click();
      await page.getByText('Recorded Approved.').waitFor();
      await page.getByText('Reviewed by console-operator').first().waitFor();
      await pollUntil(() =>
        world
          .deliveries()
          .some((d) => d.inquiryId === REVIEWED && (d.body as { data?: { sequence?: number } }).data?.sequence === 2),
      );
      const view = (await (await api(`/decisions/${REVIEWED}`)).json()) as { outcome: string; sequence: number };
      expect(view).toMatchObject({ outcome: 'approved', sequence: 2 });
      await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
      await shoot(page, 'decision-reviewed-1280');
    });

    it('retries a dead-lettered delivery, listed first, once the receiver is fixed', async () => {
      await page.getByRole('link', { name: 'Deliveries' }).click();
      const dead = page
        .getByRole('region', { name: 'Dead letters' })
        .first()
        .getByRole('row', { name: new RegExp(DEAD) });
      await dead.waitFor();
      await shoot(page, 'deliveries-1280');
      await dead.getByRole('button', { name: /^Retry/ }).click();
      await page.getByRole('group', { name: 'Confirm the retry' }).getByLabel(/Note/).fill('receiver fixed');
      await page.getByRole('button', { name: 'Confirm retry' }).click();
      await pollUntil(() => world.deliveries().some((d) => d.inquiryId === DEAD));
      await page.reload();
      await page.getByText('No dead letter.').waitFor();
    });

    it('shows the status panel', async () => {
      await page.getByRole('link', { name: 'Status' }).click();
      await page.getByRole('heading', { name: 'Backlog by job kind' }).waitFor();
      await page.getByText('dead letters').waitFor();
      await shoot(page, 'status-1280');
    });

    it('hides review and retry from a read-only token', async () => {
      const reader = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const p = await reader.newPage();
      watch(p);
      await signIn(p, READER_TOKEN);
      await p.getByText('read only').waitFor();
      await p.goto(`${world.url}/console#/decision/${APPROVED}`);
      await p.getByRole('heading', { name: 'Every sequence' }).waitFor();
      await p.getByText('Every verification and screening report passed.').first().waitFor();
      expect(await p.getByRole('form', { name: 'Review' }).count()).toBe(0);
      expect(await p.getByRole('button', { name: /Redeliver|Reprocess|Retry/ }).count()).toBe(0);
      await reader.close();
    });

    it('reads at 360 px wide without sideways scrolling', async () => {
      const narrow = await browser.newContext({ viewport: { width: 360, height: 780 }, isMobile: true });
      const p = await narrow.newPage();
      watch(p);
      await signIn(p, OPERATOR_TOKEN);
      await p.getByRole('heading', { name: 'Review queue' }).waitFor();
      await p.getByText('Nothing waits for review.').waitFor(); // reviewed above
      await p.getByText('jobs waiting').waitFor();
      await shoot(p, 'queue-360');
      await p.goto(`${world.url}/console#/decision/${REVIEWED}`);
      await p.getByRole('heading', { name: 'Every sequence' }).waitFor();
      await shoot(p, 'decision-360');
      const overflow = await p.evaluate('document.documentElement.scrollWidth - window.innerWidth');
      expect(overflow).toBeLessThanOrEqual(0); // (page.evaluate takes strings: no DOM types in this project)
      await narrow.close();
    });

    it('says so and shows the decision as it is now when it changed since the page was opened (409)', async () => {
      await page.goto(`${world.url}/console#/decision/${APPROVED}`);
      const form = page.getByRole('form', { name: 'Review' });
      await form.getByText('Outcome for sequence 1').waitFor();
      // meanwhile, another operator reviews it
      const res = await fetch(`${world.url}/decisions/${APPROVED}/review`, {
        method: 'POST',
        headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ outcome: 'declined', note: 'reviewed elsewhere first', sequence: 1 }),
      });
      expect(res.status).toBe(201);
      await form.getByLabel('Ask to retry').check();
      await form.getByLabel(/Note/).fill('the selfie is blurred');
      await form.getByRole('button', { name: 'Review…' }).click();
      expectedStatus = 409;
      try {
        await page.getByRole('button', { name: 'Confirm: Ask to retry' }).click();
        await page.getByText('This decision changed since you opened it').waitFor();
      } finally {
        expectedStatus = undefined;
      }
      await form.getByText('Outcome for sequence 2').waitFor(); // reloaded: the page shows sequence 2 now
      await page.getByText('Reviewed by console-operator').first().waitFor();
      const view = (await (await api(`/decisions/${APPROVED}`)).json()) as { outcome: string; sequence: number };
      expect(view).toMatchObject({ outcome: 'declined', sequence: 2 });
    });

    it('signs out and forgets the token', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByLabel('API token').waitFor();
      expect(await page.evaluate('sessionStorage.length')).toBe(0);
      await page.reload();
      await page.getByLabel('API token').waitFor();
    });

    it('answers with no-store on the API and the page, and logs no console error on any page', async () => {
      expect((await api(`/decisions/${REVIEWED}`)).headers.get('cache-control')).toContain('no-store');
      expect((await fetch(`${world.url}/console`)).headers.get('cache-control')).toBe('no-store');
      expect(problems).toEqual([]);
    });
  },
);
