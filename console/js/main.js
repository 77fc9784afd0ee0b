// The operator console: sign-in, a hash router (#/queue, #/decisions, #/decision/<id>, #/deliveries, #/status; a
// page's own state after `?`, e.g. the search form's fields: #/decisions?search=1&outcome=declined) and the pages. The
// token is kept in sessionStorage only (api.js); nothing else is stored in the browser.
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
  const raw = hash.replace(/^#/, '');
  const at = raw.indexOf('?');
  const path = at === -1 ? raw : raw.slice(0, at);
  const search = at === -1 ? null : raw.slice(at + 1);
  const [, page = 'queue', ...rest] = path.split('/');
  try {
    return { page: page || 'queue', id: decodeURIComponent(rest.join('/')), search };
  } catch {
    return { page: page || 'queue', id: '', search }; // a malformed escape in a hand-typed address
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
  state = {
    session: null,
    checking: Boolean(storedToken()),
    checkError: null,
    notice: null,
    route: parseRoute(location.hash),
  };

  componentDidMount() {
    this.onHash = () => {
      const previous = this.state.route;
      const route = parseRoute(location.hash);
      // a new page takes the focus to its heading; a page's own state changing (a search) leaves it where it is
      const moved = route.page !== previous.page || route.id !== previous.id;
      this.setState({ route }, () => moved && this.focusHeading());
    };
    this.onUnauthorized = () => this.signOut('Your token was refused: sign in again.');
    window.addEventListener('hashchange', this.onHash);
    window.addEventListener('console:unauthorized', this.onUnauthorized);
    if (storedToken()) this.recheck();
  }

  /**
   * A reload re-checks the stored token. Only a refusal (401) signs out; when the service does not answer (network
   * error, 5xx) the token is kept and the page offers to try again.
   */
  recheck = () => {
    this.setState({ checking: true, checkError: null });
    request('/session')
      .then((session) => this.setState({ session, checking: false }, () => this.focusHeading()))
      .catch((error) => {
        if (error instanceof ApiError && error.status === 401) {
          forgetToken();
          this.setState({ checking: false, notice: 'Your token was refused: sign in again.' });
        } else {
          this.setState({ checking: false, checkError: error });
        }
      });
  };

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
      checkError: null,
      notice: typeof notice === 'string' ? notice : 'Signed out. The token is forgotten.',
    });
  };

  page() {
    const { route, session } = this.state;
    switch (route.page) {
      case 'decisions':
        return html`<${SearchPage} key=${route.search ?? ''} search=${route.search} />`;
      case 'decision':
        return route.id
          ? html`<${DecisionPage} key=${route.id} inquiryId=${route.id} session=${session} />`
          : html`<${SearchPage} />`;
      case 'deliveries':
        return html`<${DeliveriesPage} key=${route.search ?? ''} session=${session} search=${route.search} />`;
      case 'status':
        return html`<${StatusPage} />`;
      default:
        return html`<${QueuePage} />`;
    }
  }

  render(_props, { session, checking, checkError, notice, route }) {
    if (checking) return html`<p class="loading">Checking your session…</p>`;
    if (checkError && !session) {
      const detail =
        checkError instanceof ApiError
          ? `${checkError.message} (${checkError.status} ${checkError.code})`
          : 'the service did not answer (network error)';
      return html`<main id="main" class="sign-in">
        <h1 tabindex="-1">persona-decider console</h1>
        <p class="note error" role="alert">
          Could not check your session: ${detail}. Your token is kept in this tab; try again when the service answers.
        </p>
        <button type="button" class="primary" onClick=${this.recheck}>Try again</button>
        <button type="button" onClick=${() => this.signOut()}>Sign out</button>
      </main>`;
    }
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
