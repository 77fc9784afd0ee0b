// The status panel: GET /status, the numbers /metrics exports (read from the database, the same queries).
import { request } from './api.js';
import { DASH, age, text } from './format.js';
import { html } from './html.js';
import { Loaded } from './ui.js';

function budget(b) {
  if (!b || typeof b !== 'object') return 'not reported yet';
  return `${text(b.remaining)} of ${text(b.limit)} left`;
}

function Tile({ label, value, tone = 'neutral', href }) {
  const body = html`<span class="tile-value">${value}</span><span class="tile-label">${label}</span>`;
  return html`<li class="tile ${tone}">${href ? html`<a href=${href}>${body}</a>` : body}</li>`;
}

function Panel({ status, compact }) {
  const due = Array.isArray(status.jobsDue) ? status.jobsDue : [];
  const backlog = due.reduce((n, j) => n + (typeof j.due === 'number' ? j.due : 0), 0);
  const oldest = due.reduce((max, j) => Math.max(max, j.oldestDueAgeSeconds ?? 0), 0);
  const dead = status.deliveries?.deadLettered;
  return html`<ul class="tiles" aria-label="Service status">
      <${Tile} label="jobs waiting" value=${backlog} tone=${backlog > 0 ? 'warn' : 'good'} />
      <${Tile}
        label="dead letters"
        value=${text(dead)}
        tone=${dead > 0 ? 'bad' : 'good'}
        href=${dead > 0 ? '#/deliveries' : undefined}
      />
      <${Tile} label="deliveries pending" value=${text(status.deliveries?.pending)} />
      <${Tile} label="Persona budget" value=${budget(status.personaBudget)} />
      <${Tile} label="waiting for review" value=${text(status.reviewQueue)} href="#/queue" />
      <${Tile}
        label="database"
        value=${status.databaseUp === false ? 'down' : status.databaseUp ? 'up' : DASH}
        tone=${status.databaseUp === false ? 'bad' : 'good'}
      />
    </ul>
    ${
      compact
        ? ''
        : html`<h2>Backlog by job kind</h2>
            ${
              due.length === 0
                ? html`<p class="note">No job waits.</p>`
                : html`<ul class="plain">
                    ${due.map((j) => html`<li>${text(j.kind)}: ${text(j.due)} due, oldest ${age(j.oldestDueAgeSeconds)}</li>`)}
                  </ul>`
            }
            <${FactsRow} label="Oldest waiting job" value=${age(oldest)} />
            <${FactsRow} label="Inquiries whose processing failed" value=${text(status.inquiriesFailed)} />`
    }`;
}

function FactsRow({ label, value }) {
  return html`<p><strong>${label}:</strong> ${value}</p>`;
}

export function StatusPanel({ compact = false }) {
  return html`<section class=${compact ? 'status compact' : 'status'} aria-label="Status">
    <${Loaded} what="the status" load=${() => request('/status')}>
      ${(status, reload) =>
        html`<${Panel} status=${status} compact=${compact} />
          <button type="button" class="link" onClick=${reload}>Refresh</button>`}
    <//>
  </section>`;
}

export function StatusPage() {
  return html`<h1 tabindex="-1">Status</h1>
    <p class="lede">The numbers <code>/metrics</code> exports, read from the database.</p>
    <${StatusPanel} />`;
}
