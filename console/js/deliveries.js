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
        ${
          showInquiry
            ? html`<td data-label="Inquiry" class="cell-id">
                <a href=${`#/decision/${enc(d.inquiryId ?? '')}`} title=${d.inquiryId ?? ''}>${text(d.inquiryId)}</a>
              </td>`
            : ''
        }
        <td data-label="Sequence" class="cell-nowrap">${text(d.sequence)}</td>
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

/**
 * One page of a group, then "Load more" while the API gives a `nextCursor` (GET /deliveries is cursor-paginated,
 * newest first). A retry reloads the first page and drops the pages loaded after it.
 */
class Pages extends Component {
  state = { extra: [], cursor: undefined, loading: false, error: null };

  componentDidUpdate(previous) {
    if (previous.first !== this.props.first) this.setState({ extra: [], cursor: undefined, error: null });
  }

  more = async () => {
    const { first, status, limit } = this.props;
    const cursor = this.state.cursor === undefined ? first.nextCursor : this.state.cursor;
    this.setState({ loading: true, error: null });
    try {
      const page = await request(`/deliveries${query({ status, limit, cursor })}`);
      this.setState({ extra: [...this.state.extra, ...(page.items ?? [])], cursor: page.nextCursor, loading: false });
    } catch (error) {
      this.setState({ error, loading: false });
    }
  };

  render({ first, title, empty, canOperate, reload, pageable }, { extra, cursor, loading, error }) {
    const items = [...(first.items ?? []), ...extra];
    const next = cursor === undefined ? first.nextCursor : cursor;
    if (items.length === 0) return html`<p class="note">${empty}</p>`;
    // (htm drops whitespace that holds a line break: the words of this line are joined here)
    const countNote = !pageable
      ? ', the latest only'
      : next
        ? html`, <strong>more exist</strong> (newest first)`
        : ', no more';
    return html`<${Table} caption=${title} head=${HEAD}>
        <${DeliveryRows} items=${items} canOperate=${canOperate} onChange=${reload} />
      <//>
      <p class="count">${`${items.length} shown`}${countNote}</p>
      ${error ? html`<p class="note error" role="alert">Could not load more: ${error.message}</p>` : ''}
      ${
        next && pageable
          ? html`<button type="button" onClick=${this.more} disabled=${loading}>
              ${loading ? 'Loading…' : html`Load more <span class="visually-hidden">${title.toLowerCase()}</span>`}
            </button>`
          : ''
      }`;
  }
}

/** `pageable`: offer the next pages (the lists of what needs an operator); "Delivered lately" shows its first page. */
function Group({ title, status, limit, empty, canOperate, pageable = true }) {
  return html`<section aria-labelledby=${`group-${status}`}>
    <h2 id=${`group-${status}`}>${title}</h2>
    <${Loaded} what=${`${status} deliveries`} load=${() => request(`/deliveries${query({ status, limit })}`)}>
      ${(data, reload) =>
        html`<${Pages}
          first=${data}
          status=${status}
          limit=${limit}
          title=${title}
          empty=${empty}
          canOperate=${canOperate}
          reload=${reload}
          pageable=${pageable}
        />`}
    <//>
  </section>`;
}

/** `search`: the address after `?`; `pageSize=<1-200>` sets the page size of the dead letters and waiting lists. */
export function DeliveriesPage({ session, search }) {
  const canOperate = session?.access === 'operate';
  const asked = Number(new URLSearchParams(search ?? '').get('pageSize'));
  const limit = Number.isInteger(asked) && asked >= 1 && asked <= 200 ? asked : 100;
  return html`<h1 tabindex="-1">Deliveries</h1>
    <p class="lede">
      Signed decisions sent downstream. A dead letter was refused until the retries ran out; fix the receiver, then
      retry it (same webhook id, a fresh retry schedule).
    </p>
    <${Group} title="Dead letters" status="failed" limit=${limit} empty="No dead letter." canOperate=${canOperate} />
    <${Group} title="Waiting" status="pending" limit=${limit} empty="Nothing waits." canOperate=${canOperate} />
    <${Group}
      title="Delivered lately"
      status="delivered"
      limit=${20}
      empty="Nothing delivered yet."
      canOperate=${false}
      pageable=${false}
    />`;
}
