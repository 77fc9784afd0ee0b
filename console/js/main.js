// The operator console: sign-in, a hash router (#/queue, #/decisions, #/decision/<id>, #/deliveries, #/status) and
// the pages. The token is kept in sessionStorage only (api.js); nothing else is stored in the browser.
import { ApiError, forgetToken, request, storeToken, storedToken } from './api.js';
import { DecisionPage } from './decision.js';
import { QueuePage, SearchPage } from './decision-list.js';
import { DeliveriesPage } from './deliveries.js';
import { Component, html, render } from './html.js';
import { StatusPage } from './status.js';

const NAV = [
  ['#/queue', 'Review queue'],
  ['#/decisions', 'Decisions'],
  ['#/deliveries', 'Deliveries'],
  ['#/status', 'Status'],
];

function parseRoute(hash) {
  const [, page = 'queue', ...rest] = hash.replace(/^#/, '').split('/');
  try {
    return { page, id: decodeURIComponent(rest.join('/')) };
  } catch {
    return { page, id: '' }; // a malformed escape in a hand-typed address
  }
}

class SignIn extends Component {
  state = { token: '', busy: false, error: null };

  submit = async (event) => {
    event.preventDefault();
    const token = this.state.token.trim();
    if (!token) return this.setState({ error: 'Paste a token first.' });
    this.setState({ busy: true, error: null });
    try {
      const session = await request('/session', { token });
      this.setState({ busy: false, token: '' });
      this.props.onSignedIn(token, session);
    } catch (error) {
      const message =
        error instanceof ApiError && error.status === 401
          ? 'The service refused this token.'
          : `Could not sign in: ${error instanceof ApiError ? `${error.message} (${error.status})` : 'the service did not answer'}.`;
      this.setState({ busy: false, error: message });
    }
  };

  render({ notice }, { token, busy, error }) {
    return html`<main id="main" class="sign-in">
      <h1 tabindex="-1">persona-decider console</h1>
      ${notice ? html`<p class="note" role="status">${notice}</p>` : ''}
      <form onSubmit=${this.submit} aria-describedby="token-help">
        <label class="block"
          >API token
          <input
            type="password"
            name="token"
            autocomplete="off"
            spellcheck="false"
            value=${token}
            onInput=${(e) => this.setState({ token: e.currentTarget.value })}
            autofocus
          />
        </label>
        <p id="token-help" class="hint">
          One of the service's <code>API_TOKENS</code>. It is kept in this tab only (session storage) and sent as a
          bearer header; closing the tab or signing out forgets it.
        </p>
        <button type="submit" class="primary" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
        ${error ? html`<p class="note error" role="alert">${error}</p>` : ''}
      </form>
    </main>`;
  }
}

class App extends Component {
  state = { session: null, checking: Boolean(storedToken()), notice: null, route: parseRoute(location.hash) };

  componentDidMount() {
    this.onHash = () => this.setState({ route: parseRoute(location.hash) }, () => this.focusHeading());
    this.onUnauthorized = () => this.signOut('Your token was refused: sign in again.');
    window.addEventListener('hashchange', this.onHash);
    window.addEventListener('console:unauthorized', this.onUnauthorized);
    if (storedToken()) {
      request('/session')
        .then((session) => this.setState({ session, checking: false }))
        .catch(() => {
          forgetToken();
          this.setState({ checking: false, notice: 'Sign in again.' });
        });
    }
  }

  componentWillUnmount() {
    window.removeEventListener('hashchange', this.onHash);
    window.removeEventListener('console:unauthorized', this.onUnauthorized);
  }

  focusHeading() {
    document.querySelector('main h1')?.focus();
  }

  signedIn = (token, session) => {
    storeToken(token);
    this.setState({ session, notice: null }, () => this.focusHeading());
  };

  signOut = (notice = 'Signed out. The token is forgotten.') => {
    forgetToken();
    this.setState({
      session: null,
      notice: typeof notice === 'string' ? notice : 'Signed out. The token is forgotten.',
    });
  };

  page() {
    const { route, session } = this.state;
    switch (route.page) {
      case 'decisions':
        return html`<${SearchPage} />`;
      case 'decision':
        return route.id
          ? html`<${DecisionPage} key=${route.id} inquiryId=${route.id} session=${session} />`
          : html`<${SearchPage} />`;
      case 'deliveries':
        return html`<${DeliveriesPage} session=${session} />`;
      case 'status':
        return html`<${StatusPage} />`;
      default:
        return html`<${QueuePage} />`;
    }
  }

  render(_props, { session, checking, notice, route }) {
    if (checking) return html`<p class="loading">Checking your session…</p>`;
    if (!session) return html`<${SignIn} notice=${notice} onSignedIn=${this.signedIn} />`;
    const current = route.page === 'decision' ? '#/decisions' : `#/${route.page}`;
    return html`<a
        class="skip"
        href="#main"
        onClick=${(e) => {
          e.preventDefault();
          this.focusHeading();
        }}
        >Skip to content</a
      >
      <header class="top">
        <span class="brand">persona-decider</span>
        <nav aria-label="Pages">
          <ul>
            ${NAV.map(([href, label]) => html`<li><a href=${href} aria-current=${current === href || (href === '#/queue' && !NAV.some(([h]) => h === current)) ? 'page' : undefined}>${label}</a></li>`)}
          </ul>
        </nav>
        <span class="who"
          >${session.actor ?? 'operator'} · ${session.access === 'operate' ? 'can operate' : 'read only'}</span
        >
        <button type="button" class="sign-out" onClick=${() => this.signOut()}>Sign out</button>
      </header>
      <main id="main">${this.page()}</main>`;
  }
}

const root = document.getElementById('app');
root.textContent = ''; // the "Loading…" line: preact renders into an empty element
render(html`<${App} />`, root);
