// The review queue and the decision search: both list decisions from GET /decisions.
import { enc, query, request } from './api.js';
import { DASH, age, reasonSentence, text, when } from './format.js';
import { Component, html } from './html.js';
import { StatusPanel } from './status.js';
import { Loaded, Outcome, Table } from './ui.js';

function firstReason(reasons) {
  const decisive = (reasons ?? []).find((r) => r && r.outcome !== 'info') ?? (reasons ?? [])[0];
  return decisive ? reasonSentence(decisive) : DASH;
}

function DecisionRows({ items, now }) {
  return items.map(
    (d) =>
      html`<tr>
        <td data-label="Inquiry" class="cell-id">
          <a href=${`#/decision/${enc(d.inquiryId ?? '')}`} title=${d.inquiryId ?? ''}>${text(d.inquiryId)}</a>
        </td>
        <td data-label="Outcome"><${Outcome} outcome=${d.outcome} /></td>
        <td data-label="Why">${firstReason(d.reasons)}</td>
        <td data-label="Decided" title=${d.decidedAt ?? ''}>
          ${when(d.decidedAt)}${
            now && d.decidedAt ? html`<br /><small>${age((now - Date.parse(d.decidedAt)) / 1000)} ago</small>` : ''
          }
        </td>
        <td data-label="Reference id" class="cell-id" title=${d.referenceId ?? ''}>${text(d.referenceId)}</td>
        <td data-label="Sequence" class="cell-nowrap">${text(d.sequence)}</td>
        <td data-label="Review">${d.review ? `${text(d.review.actor)}: ${outcomeOf(d)}` : 'not reviewed'}</td>
      </tr>`,
  );
}

function outcomeOf(d) {
  return d.review?.outcome ?? d.outcome ?? DASH;
}

const HEAD = ['Inquiry', 'Outcome', 'Why', 'Decided', 'Reference id', 'Sequence', 'Review'];

/** A list with "Load more" (the API's cursor). */
function DecisionList({ params, caption, empty, round = 0 }) {
  return html`<${Loaded}
    what="decisions"
    loadKey=${`${JSON.stringify(params)}#${round}`}
    load=${() => request(`/decisions${query(params)}`)}
  >
    ${(first) => html`<${More} first=${first} params=${params} empty=${empty} caption=${caption} now=${Date.now()} />`}
  <//>`;
}

class More extends Component {
  state = { extra: [], cursor: undefined, loading: false, error: null };

  componentDidUpdate(previous) {
    if (previous.first !== this.props.first) this.setState({ extra: [], cursor: undefined, error: null });
  }

  more = async () => {
    const cursor = this.state.cursor === undefined ? this.props.first.nextCursor : this.state.cursor;
    this.setState({ loading: true });
    try {
      const page = await request(`/decisions${query({ ...this.props.params, cursor })}`);
      this.setState({ extra: [...this.state.extra, ...(page.items ?? [])], cursor: page.nextCursor, loading: false });
    } catch (error) {
      this.setState({ error, loading: false });
    }
  };

  render({ first, empty, caption, now }, { extra, cursor, loading, error }) {
    const items = [...(first.items ?? []), ...extra];
    const next = cursor === undefined ? first.nextCursor : cursor;
    if (items.length === 0) return html`<p class="note">${empty}</p>`;
    return html`<${Table} caption=${caption} head=${HEAD}><${DecisionRows} items=${items} now=${now} /><//>
      <p class="count">${items.length} shown${next ? '' : ', no more'}</p>
      ${error ? html`<p class="note error" role="alert">Could not load more: ${error.message}</p>` : ''}
      ${
        next
          ? html`<button type="button" onClick=${this.more} disabled=${loading}>
              ${loading ? 'Loading…' : 'Load more'}
            </button>`
          : ''
      }`;
  }
}

export function QueuePage() {
  return html`<h1 tabindex="-1">Review queue</h1>
    <p class="lede">
      Decisions waiting for a person: outcome <strong>manual review</strong>, not reviewed yet, oldest first. Open one
      to see why and to review it.
    </p>
    <${StatusPanel} compact=${true} />
    <${DecisionList}
      params=${{ status: 'decided', outcome: 'manual_review', reviewed: 'false', order: 'oldest', limit: 50 }}
      caption="Decisions waiting for review"
      empty="Nothing waits for review."
    />`;
}

const OUTCOME_OPTIONS = [
  ['', 'any outcome'],
  ['approved', 'Approved'],
  ['declined', 'Declined'],
  ['manual_review', 'Manual review'],
  ['retry', 'Ask to retry'],
];

/** `2026-11-29` (a date input) → the start of that day in the operator's time zone, as ISO; `end` for the next day. */
function dayBound(value, end) {
  if (!value) return undefined;
  const date = new Date(`${value}T00:00:00`);
  if (Number.isNaN(date.getTime())) return undefined;
  if (end) date.setDate(date.getDate() + 1);
  return date.toISOString();
}

/** The form's fields kept in the address (#/decisions?…): Back and reload bring the form and its results back. */
const FIELDS = ['referenceId', 'outcome', 'reviewed', 'since', 'until'];

function paramsOf(fields) {
  return {
    referenceId: fields.referenceId.trim(),
    outcome: fields.outcome,
    reviewed: fields.reviewed,
    since: dayBound(fields.since, false),
    until: dayBound(fields.until, true),
    order: 'newest',
    limit: 50,
  };
}

/** `props.search`: the part of the address after `?` (null: no search made yet). */
export class SearchPage extends Component {
  constructor(props) {
    super(props);
    const fields = Object.fromEntries(FIELDS.map((name) => [name, '']));
    if (typeof props.search === 'string') {
      const from = new URLSearchParams(props.search);
      for (const name of FIELDS) fields[name] = from.get(name) ?? '';
    }
    const params = typeof props.search === 'string' ? paramsOf(fields) : null;
    this.state = { inquiryId: '', ...fields, params, round: 0 };
  }

  field = (name) => (event) => this.setState({ [name]: event.currentTarget.value });

  submit = (event) => {
    event.preventDefault();
    const inquiryId = this.state.inquiryId.trim();
    if (inquiryId) {
      location.hash = `#/decision/${enc(inquiryId)}`;
      return;
    }
    const fields = Object.fromEntries(FIELDS.map((name) => [name, this.state[name].trim()]));
    // `search` marks a search made with every field empty (all decisions, newest first)
    const next = `#/decisions${query({ search: '1', ...fields })}`;
    if (location.hash === next)
      this.setState({ round: this.state.round + 1 }); // the same search: load it again
    else location.hash = next; // main.js re-renders this page from the address
  };

  render(_props, state) {
    return html`<h1 tabindex="-1">Decisions</h1>
      <form class="search" onSubmit=${this.submit} role="search" aria-label="Find decisions">
        <label
          >Inquiry id
          <input
            name="inquiryId"
            value=${state.inquiryId}
            onInput=${this.field('inquiryId')}
            placeholder="inq_…"
            autocomplete="off"
            spellcheck="false"
        /></label>
        <label
          >Reference id
          <input
            name="referenceId"
            value=${state.referenceId}
            onInput=${this.field('referenceId')}
            autocomplete="off"
            spellcheck="false"
        /></label>
        <label
          >Outcome
          <select name="outcome" value=${state.outcome} onChange=${this.field('outcome')}>
            ${OUTCOME_OPTIONS.map(([value, label]) => html`<option value=${value}>${label}</option>`)}
          </select>
        </label>
        <label
          >Reviewed
          <select name="reviewed" value=${state.reviewed} onChange=${this.field('reviewed')}>
            <option value="">either</option>
            <option value="true">reviewed</option>
            <option value="false">not reviewed</option>
          </select>
        </label>
        <label>From <input type="date" name="since" value=${state.since} onInput=${this.field('since')} /></label>
        <label>To <input type="date" name="until" value=${state.until} onInput=${this.field('until')} /></label>
        <div class="actions"><button type="submit" class="primary">Search</button></div>
      </form>
      <p class="hint">An inquiry id opens that decision; the other fields list matching decisions, newest first.</p>
      ${
        state.params
          ? html`<${DecisionList}
              params=${state.params}
              round=${state.round}
              caption="Matching decisions"
              empty="No decision matches."
            />`
          : ''
      }`;
  }
}
