// A decision's reasons in plain words, each with its outcome, what it is about and its stable code.
import { kindLabel, outcomeLabel, reasonSentence, text, words } from './format.js';
import { html } from './html.js';
import { Outcome } from './ui.js';

export function Reasons({ reasons }) {
  const list = Array.isArray(reasons) ? reasons : [];
  if (list.length === 0) return html`<p class="note">No reason given.</p>`;
  return html`<ul class="reasons">
    ${list.map(
      (r) =>
        html`<li class=${r?.outcome === 'info' ? 'info' : ''}>
          <${Outcome} outcome=${r?.outcome} /> ${reasonSentence(r)}
          <small class="meta">
            ${[
              r?.verificationType && kindLabel(r.verificationType),
              r?.reportType && kindLabel(r.reportType),
              r?.check && `check: ${words(r.check)}`,
              r?.rule && `rule: ${r.rule}`,
              r?.engineOutcome && `the evidence alone: ${outcomeLabel(r.engineOutcome)}`,
            ]
              .filter(Boolean)
              .join(' · ')}
            ${' '}<code>${text(r?.code)}</code>
          </small>
        </li>`,
    )}
  </ul>`;
}
