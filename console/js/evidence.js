// The evidence a decision was taken on (PII-free: ids, types, statuses, check names, tags, risk signals).
import { DASH, kindLabel, text, when, words } from './format.js';
import { html } from './html.js';
import { Facts, Status, Table } from './ui.js';

function Checks({ checks }) {
  const list = Array.isArray(checks) ? checks : [];
  if (list.length === 0) return html`<p class="note">No checks reported.</p>`;
  return html`<${Table} caption="Checks" head=${['Check', 'Status', 'Requirement', 'Persona reasons']}>
    ${list.map(
      (c) =>
        html`<tr>
          <td data-label="Check">${words(c.name)}</td>
          <td data-label="Status"><${Status} status=${c.status} /></td>
          <td data-label="Requirement">${words(c.requirement)}</td>
          <td data-label="Persona reasons">${(c.reasons ?? []).length ? c.reasons.join(', ') : DASH}</td>
        </tr>`,
    )}
  <//>`;
}

export function Evidence({ view }) {
  const e = view.evidence;
  if (!e) return html`<p class="note">No evidence stored (${text(view.status)}).</p>`;
  const superseded = new Set(e.supersededVerificationIds ?? []);
  const behaviors = Object.entries(e.behaviors ?? {});
  return html`<${Facts}
      rows=${[
        ['Persona status', text(e.inquiryStatus)],
        [
          'Gathered from',
          e.source === 'webhook' ? 'the webhook (no Persona call)' : e.source === 'api' ? "Persona's API" : DASH,
        ],
        ['Gathered at', when(e.gatheredAt)],
        ['Persona calls', text(view.personaCalls)],
        ['Polls while evidence was pending', text(e.polls)],
        ['Tags', (e.tags ?? []).length ? e.tags.join(', ') : DASH],
        ['Risk signals', behaviors.length ? behaviors.map(([k, v]) => `${words(k)}: ${v}`).join(' · ') : DASH],
      ]}
    />
    <h3>Verifications</h3>
    ${
      (e.verifications ?? []).length === 0
        ? html`<p class="note">None.</p>`
        : e.verifications.map(
            (v) =>
              html`<article class="evidence-item">
                <h4>
                  ${kindLabel(v.type)}
                  <${Status} status=${v.status} />
                  ${superseded.has(v.id) ? html`<span class="badge neutral">superseded by a later attempt</span>` : ''}
                </h4>
                <p class="meta">
                  <code>${text(v.id)}</code> · started ${when(v.createdAt)} · finished ${when(v.completedAt)}
                </p>
                <${Checks} checks=${v.checks} />
              </article>`,
          )
    }
    <h3>Screening reports</h3>
    ${
      (e.reports ?? []).length === 0
        ? html`<p class="note">None.</p>`
        : html`<ul class="plain">
            ${e.reports.map(
              (r) =>
                html`<li>
                  ${kindLabel(r.type)} <${Status} status=${r.status} />
                  ${r.hasMatch === true ? html`<span class="badge warn">match</span>` : r.hasMatch === false ? html`<span class="badge good">no match</span>` : ''}
                  ${r.matchDismissedAt ? html`<span class="badge good">match dismissed ${when(r.matchDismissedAt)}</span>` : ''}
                  <small class="meta"><code>${text(r.id)}</code> · ready ${when(r.completedAt)}</small>
                </li>`,
            )}
          </ul>`
    }`;
}
