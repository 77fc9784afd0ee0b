import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inquiryIdFor } from '../../src/sim/inquiry-ids.js';
import { E2E_TIMEOUT_MS, E2E_TOKEN, E2eWorld } from '../e2e/harness.js';
import { pollUntil } from '../helpers/events.js';

/**
 * The operator console (console/, GET /console) in a real browser: Debian's chromium driven by playwright-core,
 * against the built service with the Persona simulator and the sink. Screenshots of the main pages at 1280 and
 * 360 px go to CONSOLE_SCREENSHOTS_DIR (default: a temp folder, printed) under the names docs/console/ keeps, so
 * `CONSOLE_SCREENSHOTS_DIR=docs/console npx vitest run test/browser/console.test.ts` regenerates the README's images.
 * A few more (sign-in, status, the reviewed decision) are written to the temp folder only.
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
const DEAD_TOO = inquiryIdFor('failed-liveness'); // a second dead letter: the dead letters take two pages of one
// more manual reviews, still waiting at the end: the queue as an operator sees it (long ids included)
const WAITING = (['failed-non-decline-check', 'no-verifications'] as const).map((scenario) => ({
  scenario,
  inquiryId: inquiryIdFor(scenario),
}));

/** Relative luminance and contrast ratio (WCAG 2) of two `rgb(…)`/`rgba(…)` colours as getComputedStyle gives them. */
function contrast(a: string, b: string): number {
  const luminance = (color: string) => {
    const [r = 0, g = 0, b = 0] = (color.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
    const channel = (v: number) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

interface FocusRing {
  label: string;
  style: string;
  width: number;
  color: string;
  /** The background the ring is drawn on: the nearest ancestor's opaque background. */
  background: string;
}

/** The focused element's outline, read in the page (a string: this project has no DOM types). */
const FOCUS_RING = `(() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  let background = 'rgb(255, 255, 255)';
  for (let n = el.parentElement; n; n = n.parentElement) {
    const c = getComputedStyle(n).backgroundColor;
    if (c && c !== 'transparent' && c !== 'rgba(0, 0, 0, 0)') { background = c; break; }
  }
  return {
    label: (el.textContent || el.getAttribute('aria-label') || el.tagName).trim(),
    style: style.outlineStyle,
    width: parseFloat(style.outlineWidth),
    color: style.outlineColor,
    background,
  };
})()`;

describe.skipIf(skipReason !== undefined)(
  `the operator console in Chromium${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let world: E2eWorld;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    const shotsDir = process.env.CONSOLE_SCREENSHOTS_DIR ?? process.env.CONSOLE_SCREENSHOTS;
    const shots = shotsDir ? resolve(shotsDir) : mkdtempSync(join(tmpdir(), 'persona-decider-console-shots-'));
    const problems: string[] = [];
    /**
     * Set while a test provokes a failed request on purpose (a 409, an aborted request): Chromium logs each as a
     * console error.
     */
    let expectedConsoleError: RegExp | undefined;

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
      // the queue is oldest first: REVIEWED is decided before the others
      await world.settled([REVIEWED]);
      await sender.send(world.event('all-passed', { inquiryId: APPROVED }));
      for (const { scenario, inquiryId } of WAITING) await sender.send(world.event(scenario, { inquiryId }));
      await world.settled([APPROVED, ...WAITING.map((w) => w.inquiryId)]);
      // the sink refuses what comes next (410, not retryable): the decisions of DEAD and DEAD_TOO are dead-lettered
      world.stack.sink.setFailures({ alwaysStatus: 410 });
      for (const inquiryId of [DEAD_TOO, DEAD]) {
        await sender.send(world.event('failed-liveness', { inquiryId }));
        await pollUntil(async () => {
          const { items } = (await (await api(`/deliveries?status=failed&inquiryId=${inquiryId}`)).json()) as {
            items: unknown[];
          };
          return items.length > 0;
        });
      }
      world.stack.sink.setFailures({});

      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      page = await context.newPage();
      watch(page);
      mkdirSync(shots, { recursive: true });
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
        if (expectedConsoleError?.test(message.text())) return;
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

    /** A screenshot under its docs/console/ name (`review-queue`, …). */
    async function shoot(p: Page, name: string): Promise<void> {
      // no focus ring left over from a keyboard check, at the top of the page
      await p.evaluate('document.activeElement?.blur(); window.scrollTo(0, 0)');
      await p.screenshot({ path: join(shots, `${name}.png`) });
    }

    /** A screenshot docs/console/ does not keep: written to the temp folder only, never into CONSOLE_SCREENSHOTS_DIR. */
    async function shootExtra(p: Page, name: string): Promise<void> {
      if (!shotsDir) await shoot(p, name);
    }

    /** The focused control has a visible ring: a real outline, contrasting (3:1, WCAG 1.4.11) with what is behind. */
    async function expectVisibleFocus(p: Page, label: string | RegExp): Promise<FocusRing> {
      const ring = (await p.evaluate(FOCUS_RING)) as FocusRing;
      expect(ring.label).toMatch(label);
      expect(ring.style).not.toBe('none');
      expect(ring.width).toBeGreaterThanOrEqual(2);
      expect(contrast(ring.color, ring.background), JSON.stringify(ring)).toBeGreaterThanOrEqual(3);
      return ring;
    }

    /** No sideways scrolling: the page is no wider than the window. */
    async function expectNoSidewaysScroll(p: Page, what: string): Promise<void> {
      const overflow = await p.evaluate('document.scrollingElement.scrollWidth - window.innerWidth');
      expect(overflow, `${what} scrolls sideways`).toBeLessThanOrEqual(0);
    }

    it('signs in with a token typed at the keyboard, keeping it out of URLs and cookies', async () => {
      await page.goto(`${world.url}/console`);
      await page.getByLabel('API token').waitFor();
      await shootExtra(page, 'sign-in');
      // the focus ring on a white card: Tab from the token field to the Sign in button
      await page.keyboard.press('Tab');
      await expectVisibleFocus(page, 'Sign in');
      await signIn(page, OPERATOR_TOKEN);
      await page.getByRole('heading', { name: 'Review queue' }).waitFor();
      expect(page.url()).not.toContain(OPERATOR_TOKEN);
      expect(await context.cookies()).toEqual([]);
      const stored = await page.evaluate('Object.values(sessionStorage)');
      expect(stored).toEqual([OPERATOR_TOKEN]);
      expect(await page.evaluate('Object.keys(localStorage)')).toEqual([]);
      await page.getByText('console-operator · can operate').waitFor();
      // and on the blue header, a white ring: focus Sign out (the last control of the header)
      await page.getByRole('button', { name: 'Sign out' }).focus();
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('Tab');
      await expectVisibleFocus(page, 'Sign out');
    });

    it('lists the manual reviews in the queue, oldest first, every column in view at 1280 px', async () => {
      const row = page.getByRole('row', { name: new RegExp(REVIEWED) });
      await row.waitFor();
      for (const { inquiryId } of WAITING) await page.getByRole('row', { name: new RegExp(inquiryId) }).waitFor();
      expect(await page.getByRole('link', { name: APPROVED }).count()).toBe(0);
      const firstRow = page.getByRole('region', { name: 'Decisions waiting for review' }).getByRole('row').nth(1);
      expect(await firstRow.getByRole('link').first().textContent()).toBe(REVIEWED);
      // long ids wrap: the last columns stay inside the window and inside the table's box (which would scroll
      // sideways to show them otherwise); the full id is in the link's title
      const width = page.viewportSize()?.width ?? 1280;
      const wrap = await page.getByRole('region', { name: 'Decisions waiting for review' }).boundingBox();
      for (const cell of [row.locator('td[data-label="Review"]'), row.locator('td[data-label="Sequence"]')]) {
        const box = await cell.boundingBox();
        if (!box || !wrap) throw new Error('the queue table or its cell has no box');
        expect(box.x + box.width).toBeLessThanOrEqual(Math.min(width, wrap.x + wrap.width));
      }
      expect(await row.getByRole('link', { name: REVIEWED }).getAttribute('title')).toBe(REVIEWED);
      const sequence = (await row.locator('td[data-label="Sequence"]').textContent())?.trim();
      const outcome = (await row.locator('td[data-label="Outcome"]').textContent())?.trim();
      expect(sequence).toBe('1');
      expect(outcome).toContain('Manual review');
      console.log(
        `round trip 1/4, queue: ${REVIEWED} waits for review, sequence ${sequence}, manual_review (${outcome})`,
      );
      await shoot(page, 'review-queue');
      await row.getByRole('link', { name: REVIEWED }).click();
      await page.getByRole('heading', { name: `Inquiry ${REVIEWED}` }).waitFor();
      await page.getByText('A screening report found a possible match').first().waitFor();
      await page.getByText('Watchlist report').first().waitFor();
      await page.getByRole('heading', { name: 'Every sequence' }).waitFor();
      await shoot(page, 'decision');
      // the focus ring on the review form's white card: Tab from the note to "Review…"
      await page.getByRole('form', { name: 'Review' }).getByLabel(/Note/).focus();
      await page.keyboard.press('Tab');
      await expectVisibleFocus(page, 'Review…');
    });

    it('reviews the decision with a required note and a confirmation; the new sequence reaches the sink', async () => {
      const note = 'Watchlist match is a namesake: different birth year in the report.';
      const form = page.getByRole('form', { name: 'Review' });
      await form.getByLabel('Approved').check();
      await form.getByRole('button', { name: 'Review…' }).click();
      await page.getByText('Write a note').waitFor(); // the note is required
      await form.getByLabel(/Note/).fill(note);
      await form.getByRole('button', { name: 'Review…' }).click();
      await page.getByRole('button', { name: 'Confirm: Approved' }).waitFor();
      await form.screenshot({ path: join(shots, 'review.png') });
      await page.getByRole('button', { name: 'Confirm: Approved' }).click();
      await page.getByText('Recorded Approved.').waitFor();
      console.log(`round trip 2/4, review submitted: approved, note "${note}"`);
      await page.getByText('Reviewed by console-operator').first().waitFor();
      // the page reloaded the decision: sequence 2 is the current one, in the facts, the form and every sequence
      await form.getByText('Outcome for sequence 2').waitFor();
      await page.getByText('Sequence 2', { exact: true }).first().waitFor();
      const shown = (await page.locator('.summary .facts dd').first().textContent())?.trim();
      expect(shown).toBe('2');
      const headline = (await page.locator('.summary .headline').textContent())?.trim();
      console.log(
        `round trip 3/4, page shows: sequence ${shown} (${headline}), reviewed by console-operator, in "Every sequence"`,
      );
      let delivered: ReturnType<E2eWorld['deliveries']>[number] | undefined;
      await pollUntil(() => {
        delivered = world
          .deliveries()
          .find((d) => d.inquiryId === REVIEWED && (d.body as { data?: { sequence?: number } }).data?.sequence === 2);
        return delivered !== undefined;
      });
      expect(delivered).toMatchObject({ verified: true, outcome: 'approved' });
      expect(delivered?.webhookId).toMatch(/^msg_/);
      console.log(
        `round trip 4/4, delivered: the sink received sequence 2 of ${REVIEWED} (${delivered?.outcome}, ` +
          `webhook-id ${delivered?.webhookId}, HTTP ${delivered?.status}), signed and its signature verified`,
      );
      const view = (await (await api(`/decisions/${REVIEWED}`)).json()) as { outcome: string; sequence: number };
      expect(view).toMatchObject({ outcome: 'approved', sequence: 2 });
      await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
      await shootExtra(page, 'decision-reviewed');
    });

    it('redelivers the decision with a note, kept in the audit trail', async () => {
      const before = world.deliveries().filter((d) => d.inquiryId === REVIEWED).length;
      await page.getByRole('button', { name: 'Redeliver' }).click();
      const confirm = page.getByRole('group', { name: 'Confirm: Redeliver' });
      await confirm.getByLabel(/Note/).fill('the receiver lost it');
      await confirm.getByRole('button', { name: 'Confirm: Redeliver' }).click();
      await page.getByText('Queued.').waitFor();
      await page.locator('ol.audit').getByText('the receiver lost it').waitFor();
      await pollUntil(() => world.deliveries().filter((d) => d.inquiryId === REVIEWED).length > before);
    });

    it('lists the dead letters a page at a time, with "Load more" while the API has a next page', async () => {
      await page.goto(`${world.url}/console#/deliveries?pageSize=1`);
      const dead = page.getByRole('region', { name: 'Dead letters' }).first();
      const deadRows = dead.getByRole('row', { name: /inq_failedLiveness_/ });
      await deadRows.first().waitFor();
      expect(await deadRows.count()).toBe(1);
      await dead.getByText('more exist').waitFor();
      await page.getByRole('button', { name: 'Load more dead letters' }).click();
      await dead.getByRole('row', { name: new RegExp(DEAD_TOO) }).waitFor();
      expect(await deadRows.count()).toBe(2);
      await dead.getByText('2 shown, no more').waitFor();
      expect(await page.getByRole('button', { name: 'Load more dead letters' }).count()).toBe(0);
    });

    it('retries a dead-lettered delivery, listed first, once the receiver is fixed', async () => {
      await page.getByRole('link', { name: 'Deliveries' }).click();
      await page.waitForURL(/#\/deliveries$/);
      const region = page.getByRole('region', { name: 'Dead letters' }).first();
      const dead = region.getByRole('row', { name: new RegExp(DEAD) });
      await dead.waitFor();
      await region.getByRole('row', { name: new RegExp(DEAD_TOO) }).waitFor();
      await shoot(page, 'deliveries');
      await dead.getByRole('button', { name: /^Retry/ }).click();
      await page.getByRole('group', { name: 'Confirm the retry' }).getByLabel(/Note/).fill('receiver fixed');
      await page.getByRole('button', { name: 'Confirm retry' }).click();
      await pollUntil(() => world.deliveries().some((d) => d.inquiryId === DEAD));
      await page.reload();
      await region.getByRole('row', { name: new RegExp(DEAD_TOO) }).waitFor();
      expect(await region.getByRole('row', { name: new RegExp(DEAD) }).count()).toBe(0);
    });

    it('keeps the search in the address: Back from a decision shows the form and its results again', async () => {
      await page.getByRole('link', { name: 'Decisions', exact: true }).click();
      const search = page.getByRole('search', { name: 'Find decisions' });
      await search.getByLabel(/^Reviewed/).selectOption('true');
      await search.getByRole('button', { name: 'Search' }).click();
      const results = page.getByRole('region', { name: 'Matching decisions' });
      await results.getByRole('link', { name: REVIEWED }).click();
      await page.getByRole('heading', { name: `Inquiry ${REVIEWED}` }).waitFor();
      await page.goBack();
      await results.getByRole('link', { name: REVIEWED }).waitFor();
      expect(await search.getByLabel(/^Reviewed/).inputValue()).toBe('true');
      expect(page.url()).toContain('reviewed=true');
      expect(await results.getByRole('link', { name: DEAD_TOO }).count()).toBe(0); // not reviewed
      await page.reload();
      await results.getByRole('link', { name: REVIEWED }).waitFor();
      expect(await search.getByLabel(/^Reviewed/).inputValue()).toBe('true');
    });

    it('keeps the token when the session re-check on reload gets no answer, and offers to try again', async () => {
      await page.route('**/session', (route) => route.abort(), { times: 1 });
      expectedConsoleError = /ERR_FAILED|Failed to load resource/;
      try {
        await page.reload();
        await page.getByText('Could not check your session').waitFor();
      } finally {
        expectedConsoleError = undefined;
      }
      expect(await page.evaluate('Object.values(sessionStorage)')).toEqual([OPERATOR_TOKEN]);
      await page.getByRole('button', { name: 'Try again' }).click();
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      await page.getByRole('heading', { name: 'Decisions' }).waitFor(); // the same page as before the reload
    });

    it('shows the status panel', async () => {
      await page.getByRole('link', { name: 'Status' }).click();
      await page.getByRole('heading', { name: 'Backlog by job kind' }).waitFor();
      await page.getByText('dead letters').waitFor();
      await shootExtra(page, 'status');
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

    it('reads at 360 px wide without sideways scrolling on any page', async () => {
      const narrow = await browser.newContext({ viewport: { width: 360, height: 780 }, isMobile: true });
      const p = await narrow.newPage();
      watch(p);
      await signIn(p, OPERATOR_TOKEN);
      await p.getByRole('heading', { name: 'Review queue' }).waitFor();
      await p.getByRole('link', { name: WAITING[0]?.inquiryId ?? '' }).waitFor();
      await p.getByText('jobs waiting').waitFor();
      await expectNoSidewaysScroll(p, 'the review queue');
      await shoot(p, 'review-queue-360');
      await p.goto(`${world.url}/console#/decisions?search=1`);
      await p.getByRole('region', { name: 'Matching decisions' }).getByRole('link', { name: REVIEWED }).waitFor();
      await expectNoSidewaysScroll(p, 'the decision search');
      await p.goto(`${world.url}/console#/decision/${REVIEWED}`);
      await p.getByRole('heading', { name: 'Every sequence' }).waitFor();
      await p.locator('ol.audit').waitFor();
      await expectNoSidewaysScroll(p, 'a decision');
      await shoot(p, 'decision-360');
      await p.goto(`${world.url}/console#/deliveries`);
      await p.getByRole('region', { name: 'Dead letters' }).first().getByRole('row').first().waitFor();
      await p.getByRole('heading', { name: 'Delivered lately' }).waitFor();
      await p.getByRole('region', { name: 'Delivered lately' }).last().waitFor();
      await expectNoSidewaysScroll(p, 'the deliveries');
      await p.goto(`${world.url}/console#/status`);
      await p.getByRole('heading', { name: 'Backlog by job kind' }).waitFor();
      await expectNoSidewaysScroll(p, 'the status');
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
      expectedConsoleError = /status of 409/;
      try {
        await page.getByRole('button', { name: 'Confirm: Ask to retry' }).click();
        await page.getByText('This decision changed since you opened it').waitFor();
      } finally {
        expectedConsoleError = undefined;
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
