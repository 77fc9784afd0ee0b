// Small shared pieces: loading a resource, showing an error, outcome and status badges, key-value lists.
import { ApiError } from './api.js';
import { DASH, outcomeLabel, outcomeMark, text, tone } from './format.js';
import { Component, html } from './html.js';

/** An outcome as a word and a mark, coloured: the colour is never the only signal. */
export function Outcome({ outcome }) {
  if (!outcome) return html`<span class="badge neutral">${DASH}</span>`;
  return html`<span class="badge outcome-${outcome}"
    ><span aria-hidden="true">${outcomeMark(outcome)}</span> ${outcomeLabel(outcome)}</span
  >`;
}

/** A status word (passed, failed, delivered…) with its colour. */
export function Status({ status }) {
  return html`<span class="badge ${tone(status)}">${text(status)}</span>`;
}

export function ErrorNote({ error, what }) {
  if (!error) return null;
  const detail =
    error instanceof ApiError
      ? `${error.message} (${error.status} ${error.code})`
      : 'the service did not answer (network error)';
  return html`<p class="note error" role="alert">Could not load ${what}: ${detail}</p>`;
}

/** A definition list of [label, value] pairs; values may be markup. */
export function Facts({ rows }) {
  return html`<dl class="facts">
    ${rows.map(
      ([label, value]) =>
        html`<div>
          <dt>${label}</dt>
          <dd>${value ?? DASH}</dd>
        </div>`,
    )}
  </dl>`;
}

/**
 * Loads `props.load()` on mount and whenever `props.loadKey` changes, then renders `props.children(data, reload)`.
 * `what` names the resource in the error note. One failing section never blanks the others.
 */
export class Loaded extends Component {
  state = { data: undefined, error: null, loading: true };

  componentDidMount() {
    this.reload();
  }

  componentDidUpdate(previous) {
    if (previous.loadKey !== this.props.loadKey) this.reload();
  }

  reload = async () => {
    const ticket = (this.ticket = (this.ticket ?? 0) + 1);
    this.setState({ loading: true });
    try {
      const data = await this.props.load();
      if (ticket === this.ticket) this.setState({ data, error: null, loading: false });
    } catch (error) {
      if (ticket === this.ticket) this.setState({ error, loading: false });
    }
  };

  render({ children, what }, { data, error, loading }) {
    if (error) return html`<${ErrorNote} error=${error} what=${what} />`;
    if (data === undefined) return html`<p class="loading" aria-live="polite">Loading ${what}…</p>`;
    return html`<div aria-busy=${loading ? 'true' : 'false'}>${children(data, this.reload)}</div>`;
  }
}

/** A table that scrolls sideways on a narrow screen instead of squeezing its columns. */
export function Table({ caption, head, children }) {
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label=${caption}>
    <table>
      <caption class="visually-hidden">
        ${caption}
      </caption>
      <thead>
        <tr>
          ${head.map((h) => html`<th scope="col">${h}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${children}
      </tbody>
    </table>
  </div>`;
}
