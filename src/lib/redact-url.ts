/**
 * A URL as it may be logged: its credentials, query string and fragment replaced. Credentials are everything between
 * `://` and the last `@`, found on the text rather than by a URL parser: a password that looks like a port and a
 * path (`postgres://u:123/Secret@host/db`) parses as host `u`, port 123 and a path, and would be logged whole; one
 * with a `?` or `#` would be taken for a query. An `@` elsewhere (a path, a query) over-redacts, the safe side.
 * `sqlite:<path>` has nothing to hide.
 */
export function redactUrl(url: string): string {
  if (url.startsWith('sqlite:')) return url;
  const schemeEnd = url.indexOf('://');
  if (schemeEnd < 0) return '[unparseable URL]';
  const start = schemeEnd + 3;
  const at = url.lastIndexOf('@');
  const credentials = at >= start ? '[redacted]@' : '';
  const rest = url.slice(at >= start ? at + 1 : start);
  const queryStart = rest.search(/[?#]/);
  if (queryStart < 0) return `${url.slice(0, start)}${credentials}${rest}`;
  const query = rest[queryStart] === '?' ? '?[redacted]' : '';
  return `${url.slice(0, start)}${credentials}${rest.slice(0, queryStart)}${query}`;
}
