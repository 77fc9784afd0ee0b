// A decision's page: the outcome and its reasons in plain words, the evidence, every sequence, the shadow outcome,
// the deliveries with their attempts, the audit trail; review and the operator actions for `operate` tokens.
import { enc, query, request } from './api.js';
import { outcomeLabel, text, when, words } from './format.js';
import { Component, html } from './html.js';
import { DeliveryRows } from './deliveries.js';
import { OperatorAction, ReviewForm } from './review.js';
import { Evidence } from './evidence.js';
import { Reasons } from './reasons.js';
import { Facts, Loaded, Outcome, Status, Table } from './ui.js';

function Review({ review }) {
  if (!review) return null;
  return html`<p class="note reviewed">
    Reviewed by <strong>${text(review.actor)}</strong> on${' '}
    ${when(review.at)}${review.outcome ? html`: ${outcomeLabel(review.outcome)}` : ''}. Note: “${text(review.note)}”
  </p>`;
}

function Summary({ view }) {
  return html`<div class="summary">
    <p class="headline">
      <${Outcome} outcome=${view.outcome} />
      ${view.status !== 'decided' ? html` <${Status} status=${view.status} />` : ''}
    </p>
    ${view.error ? html`<p class="note error">Processing failed: ${view.error}</p>` : ''}
    <${Review} review=${view.review} />
    <${Facts}
      rows=${[
        ['Sequence', text(view.sequence)],
        ['Decided', when(view.decidedAt)],
        ['Policy', text(view.policyVersion)],
        // an operator's review has no Persona event name: only the id of the event it replaced the decision of
        ['Persona event', html`${view.eventName ? `${view.eventName} ` : ''}<code>${text(view.eventId)}</code>`],
        ['Persona status', text(view.personaStatus)],
        ['Reference id', text(view.referenceId)],
        ['Account', text(view.accountId)],
        ['Template', text(view.templateId)],
        ['Decision id', html`<code>${text(view.decisionId)}</code>`],
      ]}
    />
  </div>`;
}

function Sequences({ inquiryId, loadKey }) {
  return html`<${Loaded}
    what="the sequences"
    loadKey=${loadKey}
    load=${() => request(`/decisions/${enc(inquiryId)}/sequences`)}
  >
    ${(data) =>
      (data.items ?? []).length === 0
        ? html`<p class="note">No decision yet.</p>`
        : html`<ol class="timeline">
            ${data.items.map(
              (d) =>
                html`<li>
                  <p>
                    <strong>Sequence ${text(d.sequence)}</strong>
                    <${Outcome} outcome=${d.outcome} /> ${when(d.decidedAt)}
                    <small class="meta">${text(d.eventName)} · policy ${text(d.policyVersion)}</small>
                  </p>
                  <${Review} review=${d.review} />
                  <${Reasons} reasons=${d.reasons} />
                </li>`,
            )}
          </ol>`}
  <//>`;
}

function History({ history }) {
  const list = Array.isArray(history) ? history : [];
  if (list.length === 0) return html`<p class="note">No later event re-evaluated it.</p>`;
  return html`<ol class="timeline">
    ${list.map(
      (h) =>
        html`<li>
          ${when(h.recordedAt)}: ${text(h.eventName)} (Persona status ${text(h.personaStatus)}), same outcome, nothing
          sent <small class="meta"><code>${text(h.eventId)}</code></small>
        </li>`,
    )}
  </ol>`;
}

function Shadow({ shadow }) {
  if (!shadow) return html`<p class="note">No shadow policy ran on this decision.</p>`;
  return html`<p>
      <${Outcome} outcome=${shadow.outcome} /> under policy ${text(shadow.policyVersion)},
      ${when(shadow.evaluatedAt)}${' '} (stored only: never delivered nor written back)
    </p>
    <${Reasons} reasons=${shadow.reasons} />`;
}

function WriteBack({ writeBack }) {
  if (!writeBack) return html`<p class="note">Not written back to Persona.</p>`;
  return html`<p>
    ${words(writeBack.action)} <${Status} status=${writeBack.status} /> after ${text(writeBack.attempts)}
    attempt(s),${' '} ${when(writeBack.updatedAt)}${writeBack.detail ? `: ${writeBack.detail}` : ''}
  </p>`;
}

function Deliveries({ inquiryId, loadKey, canOperate }) {
  return html`<${Loaded}
    what="the deliveries"
    loadKey=${loadKey}
    load=${() => request(`/deliveries${query({ inquiryId, limit: 100 })}`)}
  >
    ${(data, reload) =>
      (data.items ?? []).length === 0
        ? html`<p class="note">Nothing delivered (no DOWNSTREAM_URL, or not decided yet).</p>`
        : html`<${Table}
            caption="Deliveries of this inquiry"
            head=${['Sequence', 'Status', 'Attempts', 'Last answer', 'When', 'Actions']}
          >
            <${DeliveryRows} items=${data.items} canOperate=${canOperate} onChange=${reload} showInquiry=${false} />
          <//>`}
  <//>`;
}

/** `newSequence` → `new sequence`, `deliveryId` → `delivery id`: the API's keys in plain words. */
function keyWords(key) {
  return words(key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase());
}

function detailValue(key, value) {
  if (value === null || value === undefined || value === '') return text(value);
  if (key === 'outcome' || key.endsWith('Outcome')) return outcomeLabel(value);
  if (typeof value === 'object') return JSON.stringify(value);
  if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT/.test(value)) return when(value);
  return String(value);
}

/**
 * An audit entry's `detail` (what the action made: a review's outcome and new sequence, a redelivery's delivery id),
 * as a compact `key: value` list. Entries without it (older answers, actions that record none) show nothing more.
 */
function AuditDetail({ detail }) {
  if (!detail || typeof detail !== 'object' || Array.isArray(detail)) return null;
  const entries = Object.entries(detail).filter(([, value]) => value !== undefined && value !== null);
  if (entries.length === 0) return null;
  return html`<ul class="detail">
    ${entries.map(
      ([key, value]) =>
        html`<li>
          <span class="detail-key">${keyWords(key)}:</span> ${
            /id$/i.test(key) && typeof value === 'string' ? html`<code>${value}</code>` : detailValue(key, value)
          }
        </li>`,
    )}
  </ul>`;
}

function Audit({ inquiryId, loadKey }) {
  return html`<${Loaded}
    what="the audit trail"
    loadKey=${loadKey}
    load=${() => request(`/audit${query({ target: inquiryId })}`)}
  >
    ${(data) =>
      (data.items ?? []).length === 0
        ? html`<p class="note">No operator action yet.</p>`
        : html`<ol class="timeline audit">
            ${data.items.map(
              (a) =>
                html`<li>
                  ${when(a.at)}: <strong>${text(a.actor)}</strong> ${words(a.action)}
                  ${a.target && a.target !== inquiryId ? html` <code>${a.target}</code>` : ''}
                  ${a.note ? html` — “${a.note}”` : ''}
                  <${AuditDetail} detail=${a.detail} />
                </li>`,
            )}
          </ol>`}
  <//>`;
}

export class DecisionPage extends Component {
  state = { version: 0, flash: null };

  reviewed = (flash) => this.setState({ version: this.state.version + 1, flash });

  reload = () => this.setState({ version: this.state.version + 1 });

  render({ inquiryId, session }, { version, flash }) {
    const loadKey = `${inquiryId}:${version}`;
    const canOperate = session?.access === 'operate';
    return html`<h1 tabindex="-1">Inquiry <code>${inquiryId}</code></h1>
      ${
        flash
          ? html`<p
              class=${`note ${flash.kind === 'conflict' ? 'error' : 'ok'}`}
              role=${flash.kind === 'conflict' ? 'alert' : 'status'}
            >
              ${flash.message}
            </p>`
          : ''
      }
      <${Loaded} what="the decision" loadKey=${loadKey} load=${() => request(`/decisions/${enc(inquiryId)}`)}>
        ${(view) =>
          html`<${Summary} view=${view} />
            <section aria-labelledby="why">
              <h2 id="why">Why</h2>
              <${Reasons} reasons=${view.reasons} />
            </section>
            ${
              canOperate && view.status === 'decided' && view.sequence !== null
                ? html`<${ReviewForm} key=${loadKey} view=${view} onReviewed=${this.reviewed} />`
                : ''
            }
            ${
              canOperate
                ? html`<section aria-labelledby="ops">
                    <h2 id="ops">Operator actions</h2>
                    <${OperatorAction}
                      label="Redeliver"
                      withNote=${true}
                      path=${`/decisions/${enc(inquiryId)}/redeliver`}
                      question="Send the current decision downstream again, under a new webhook id?"
                      onDone=${this.reload}
                    />
                    <${OperatorAction}
                      label="Reprocess"
                      withNote=${true}
                      path=${`/inquiries/${enc(inquiryId)}/reprocess`}
                      question="Fetch the inquiry from Persona again and re-decide it from its latest event?"
                      onDone=${this.reload}
                    />
                  </section>`
                : ''
            }
            <section aria-labelledby="evidence">
              <h2 id="evidence">Evidence</h2>
              <${Evidence} view=${view} />
            </section>
            <section aria-labelledby="history">
              <h2 id="history">Later events</h2>
              <${History} history=${view.history} />
            </section>
            <section aria-labelledby="shadow">
              <h2 id="shadow">Shadow policy</h2>
              <${Shadow} shadow=${view.shadow} />
            </section>
            <section aria-labelledby="writeback">
              <h2 id="writeback">Write-back to Persona</h2>
              <${WriteBack} writeBack=${view.writeBack} />
            </section>`}
      <//>
      <section aria-labelledby="sequences">
        <h2 id="sequences">Every sequence</h2>
        <${Sequences} inquiryId=${inquiryId} loadKey=${loadKey} />
      </section>
      <section aria-labelledby="deliveries">
        <h2 id="deliveries">Deliveries</h2>
        <${Deliveries} inquiryId=${inquiryId} loadKey=${loadKey} canOperate=${canOperate} />
      </section>
      <section aria-labelledby="audit">
        <h2 id="audit">Audit trail</h2>
        <${Audit} inquiryId=${inquiryId} loadKey=${loadKey} />
      </section>`;
  }
}
