// Downstream deliveries: dead letters first (with a retry), then the waiting ones, then the latest delivered.
import { enc, query, request } from './api.js';
import { text, when } from './format.js';
import { Component, html } from './html.js';
import { Loaded, Status, Table } from './ui.js';

/** One delivery's attempts, loaded when opened. */
export class Attempts extends Component {
  state = { open: false };

  render({ deliveryId }, { open }) {
    return html`<button
        type="button"
        class="link"
        aria-expanded=${open ? 'true' : 'false'}
        onClick=${() => this.setState({ open: !open })}
      >
        ${open ? 'Hide attempts' : 'Show attempts'}
      </button>
      ${
        open
          ? html`<${Loaded} what="the attempts" load=${() => request(`/deliveries/${enc(deliveryId)}/attempts`)}>
              ${(data) =>
                (data.items ?? []).length === 0
                  ? html`<p class="note">No attempt yet.</p>`
                  : html`<ol class="attempts">
                      ${data.items.map(
                        (a) =>
                          html`<li>
                            #${text(a.attempt)} ${when(a.at)}: ${a.status ? `HTTP ${a.status}` : 'no response'}
                            ${a.error ? html` — <span class="error-text">${a.error}</span>` : ''}
                            ${typeof a.durationMs === 'number' ? html` <small>(${a.durationMs} ms)</small>` : ''}
                          </li>`,
                      )}
                    </ol>`}
            <//>`
          : ''
      }`;
  }
}

/** Retry with an optional note and a confirmation; `onDone` reloads the list. */
export class RetryButton extends Component {
  state = { confirming: false, note: '', busy: false, error: null, done: false };

  /** Moves focus to the confirmation when it appears (a stable ref: called on mount, not each render). */
  focusOnce = (el) => {
    if (el && el !== this.focused) el.focus();
    this.focused = el;
  };

  confirm = async () => {
    this.setState({ busy: true, error: null });
    try {
      const note = this.state.note.trim();
      await request(`/deliveries/${enc(this.props.delivery.deliveryId)}/retry`, {
        method: 'POST',
        body: note ? { note } : {},
      });
      this.setState({ busy: false, confirming: false, done: true });
      this.props.onDone?.();
    } catch (error) {
      this.setState({ busy: false, error });
    }
  };

  render({ delivery }, { confirming, note, busy, error, done }) {
    if (!confirming) {
      return html`<button type="button" onClick=${() => this.setState({ confirming: true, done: false })}>
          Retry <span class="visually-hidden">delivery ${delivery.deliveryId}</span>
        </button>
        ${done ? html`<span role="status" class="ok-text">Re-queued.</span>` : ''}`;
    }
    return html`<div class="confirm" role="group" aria-label="Confirm the retry">
      <label
        >Note (optional)
        <input value=${note} maxlength="1000" onInput=${(e) => this.setState({ note: e.currentTarget.value })} />
      </label>
      <p>
        Send sequence ${text(delivery.sequence)} of ${text(delivery.inquiryId)} again now, with the same webhook id?
      </p>
      <button type="button" class="primary" onClick=${this.confirm} disabled=${busy} ref=${this.focusOnce}>
        ${busy ? 'Retrying…' : 'Confirm retry'}
      </button>
      <button type="button" onClick=${() => this.setState({ confirming: false })}>Cancel</button>
      ${error ? html`<p class="note error" role="alert">Not retried: ${error.message} (${error.code})</p>` : ''}
    </div>`;
  }
}

/** Rows of deliveries; `canOperate` shows the retry buttons. */
export function DeliveryRows({ items, canOperate, onChange, showInquiry = true }) {
  return items.map(
    (d) =>
      html`<tr class=${d.status === 'failed' ? 'dead' : ''}>
        ${showInquiry ? html`<td data-label="Inquiry"><a href=${`#/decision/${enc(d.inquiryId ?? '')}`}>${text(d.inquiryId)}</a></td>` : ''}
        <td data-label="Sequence">${text(d.sequence)}</td>
        <td data-label="Status">
          <${Status} status=${d.status === 'failed' ? 'failed' : d.status} />
          ${d.status === 'failed' ? html`<br /><small>dead letter</small>` : ''}
        </td>
        <td data-label="Attempts">${text(d.attempts)}</td>
        <td data-label="Last answer">
          ${d.lastStatus ? `HTTP ${d.lastStatus}` : '—'}${d.lastError && d.lastError !== `HTTP ${d.lastStatus}` ? html`<br /><small>${d.lastError}</small>` : ''}
        </td>
        <td data-label="When">
          ${d.status === 'delivered' ? when(d.deliveredAt) : d.status === 'pending' ? `next ${when(d.nextAttemptAt)}` : when(d.createdAt)}
        </td>
        <td data-label="Actions" class="cell-actions">
          ${canOperate && d.status !== 'delivered' ? html`<${RetryButton} delivery=${d} onDone=${onChange} />` : ''}
          <${Attempts} deliveryId=${d.deliveryId} />
        </td>
      </tr>`,
  );
}

const HEAD = ['Inquiry', 'Sequence', 'Status', 'Attempts', 'Last answer', 'When', 'Actions'];

function Group({ title, status, limit, empty, canOperate }) {
  return html`<section aria-labelledby=${`group-${status}`}>
    <h2 id=${`group-${status}`}>${title}</h2>
    <${Loaded} what=${`${status} deliveries`} load=${() => request(`/deliveries${query({ status, limit })}`)}>
      ${(data, reload) =>
        (data.items ?? []).length === 0
          ? html`<p class="note">${empty}</p>`
          : html`<${Table} caption=${title} head=${HEAD}>
              <${DeliveryRows} items=${data.items} canOperate=${canOperate} onChange=${reload} />
            <//>`}
    <//>
  </section>`;
}

export function DeliveriesPage({ session }) {
  const canOperate = session?.access === 'operate';
  return html`<h1 tabindex="-1">Deliveries</h1>
    <p class="lede">
      Signed decisions sent downstream. A dead letter was refused until the retries ran out; fix the receiver, then
      retry it (same webhook id, a fresh retry schedule).
    </p>
    <${Group} title="Dead letters" status="failed" limit=${100} empty="No dead letter." canOperate=${canOperate} />
    <${Group} title="Waiting" status="pending" limit=${100} empty="Nothing waits." canOperate=${canOperate} />
    <${Group}
      title="Delivered lately"
      status="delivered"
      limit=${20}
      empty="Nothing delivered yet."
      canOperate=${false}
    />`;
}
