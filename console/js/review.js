// Review from the decision page: an outcome, a required note, a confirmation; 409 when the decision moved on.
import { ApiError, enc, request } from './api.js';
import { outcomeLabel, text } from './format.js';
import { Component, html } from './html.js';

const CHOICES = ['approved', 'declined', 'retry'];
const NOTE_MAX = 1000;

export class ReviewForm extends Component {
  state = { outcome: '', note: '', confirming: false, busy: false, error: null, problem: null };

  /** Moves focus to the confirmation when it appears (a stable ref: called on mount, not each render). */
  focusOnce = (el) => {
    if (el && el !== this.focused) el.focus();
    this.focused = el;
  };

  ask = (event) => {
    event.preventDefault();
    const note = this.state.note.trim();
    if (!this.state.outcome) return this.setState({ problem: 'Choose an outcome.' });
    if (!note) return this.setState({ problem: 'Write a note: why this outcome (it goes into the audit trail).' });
    this.setState({ problem: null, confirming: true, error: null });
  };

  confirm = async () => {
    const { view, onReviewed } = this.props;
    this.setState({ busy: true, error: null });
    try {
      await request(`/decisions/${enc(view.inquiryId)}/review`, {
        method: 'POST',
        body: { outcome: this.state.outcome, note: this.state.note.trim(), sequence: view.sequence },
      });
      this.setState({ busy: false, confirming: false, outcome: '', note: '' });
      onReviewed({ kind: 'done', message: `Recorded ${outcomeLabel(this.state.outcome)}.` });
    } catch (error) {
      this.setState({ busy: false, confirming: false });
      if (error instanceof ApiError && error.status === 409) {
        onReviewed({
          kind: 'conflict',
          message:
            'This decision changed since you opened it, so nothing was recorded. The page shows it as it is now: check it and review again.',
        });
      } else {
        this.setState({ error });
      }
    }
  };

  render({ view }, { outcome, note, confirming, busy, error, problem }) {
    return html`<form class="review" onSubmit=${this.ask} aria-labelledby="review-title" novalidate>
      <h2 id="review-title">Review</h2>
      <fieldset disabled=${confirming || busy}>
        <legend>Outcome for sequence ${text(view.sequence)}</legend>
        ${CHOICES.map(
          (choice) =>
            html`<label class="choice">
              <input
                type="radio"
                name="review-outcome"
                value=${choice}
                checked=${outcome === choice}
                onChange=${() => this.setState({ outcome: choice, problem: null })}
              />
              ${outcomeLabel(choice)}
            </label>`,
        )}
        <label class="block"
          >Note (required, for the audit trail)
          <textarea
            name="note"
            required
            maxlength=${NOTE_MAX}
            rows="3"
            value=${note}
            aria-describedby="note-count"
            onInput=${(e) => this.setState({ note: e.currentTarget.value, problem: null })}
          ></textarea>
        </label>
        <small id="note-count">${note.length} / ${NOTE_MAX}</small>
        <div class="actions"><button type="submit" class="primary">Review…</button></div>
      </fieldset>
      ${problem ? html`<p class="note error" role="alert">${problem}</p>` : ''}
      ${
        confirming
          ? html`<div class="confirm" role="alertdialog" aria-labelledby="confirm-text">
              <p id="confirm-text">
                Record <strong>${outcomeLabel(outcome)}</strong> for ${view.inquiryId} (replacing sequence${' '}
                ${text(view.sequence)}, ${outcomeLabel(view.outcome)})? A new sequence is made and delivered downstream.
              </p>
              <button type="button" class="primary" onClick=${this.confirm} disabled=${busy} ref=${this.focusOnce}>
                ${busy ? 'Recording…' : `Confirm: ${outcomeLabel(outcome)}`}
              </button>
              <button type="button" onClick=${() => this.setState({ confirming: false })}>Cancel</button>
            </div>`
          : ''
      }
      ${error ? html`<p class="note error" role="alert">Not recorded: ${error.message} (${error.code})</p>` : ''}
    </form>`;
  }
}

/** Redeliver or reprocess: a button, then a confirmation with an optional note (kept in the audit trail). */
export class OperatorAction extends Component {
  state = { confirming: false, note: '', busy: false, error: null, done: null };

  /** Moves focus to the confirmation when it appears (a stable ref: called on mount, not each render). */
  focusOnce = (el) => {
    if (el && el !== this.focused) el.focus();
    this.focused = el;
  };

  confirm = async () => {
    const { path, withNote, onDone } = this.props;
    this.setState({ busy: true, error: null });
    try {
      const note = this.state.note.trim();
      await request(path, { method: 'POST', body: withNote && note ? { note } : {} });
      this.setState({ busy: false, confirming: false, done: 'Queued.', note: '' });
      onDone?.();
    } catch (error) {
      this.setState({ busy: false, error });
    }
  };

  render({ label, question, withNote }, { confirming, note, busy, error, done }) {
    if (!confirming) {
      return html`<span class="op"
        ><button type="button" onClick=${() => this.setState({ confirming: true, done: null })}>${label}</button
        >${done ? html` <span role="status" class="ok-text">${done}</span>` : ''}</span
      >`;
    }
    return html`<div class="confirm" role="group" aria-label=${`Confirm: ${label}`}>
      <p>${question}</p>
      ${
        withNote
          ? html`<label
              >Note (optional)
              <input value=${note} maxlength="1000" onInput=${(e) => this.setState({ note: e.currentTarget.value })} />
            </label>`
          : ''
      }
      <button type="button" class="primary" onClick=${this.confirm} disabled=${busy} ref=${this.focusOnce}>
        ${busy ? 'Working…' : `Confirm: ${label}`}
      </button>
      <button type="button" onClick=${() => this.setState({ confirming: false })}>Cancel</button>
      ${error ? html`<p class="note error" role="alert">${error.message} (${error.code})</p>` : ''}
    </div>`;
  }
}
