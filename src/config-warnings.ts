import type { Config } from './config.js';
import { redactUrl } from './lib/redact-url.js';

export interface ConfigWarning {
  key: 'PERSONA_API_URL' | 'DOWNSTREAM_URL';
  /** The URL as it may be logged (lib/redact-url.ts). */
  url: string;
  message: string;
}

/**
 * What the configuration allows but an operator should hear about at startup: a plain `http://` URL to anything but
 * this machine sends the Persona API key, or signed decisions, readable on the network. (A simulator or a sidecar on
 * loopback is fine: the demo and the tests use one.)
 */
export function describeConfigWarnings(config: Config): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  const urls = [
    { key: 'PERSONA_API_URL', url: config.personaApiUrl },
    { key: 'DOWNSTREAM_URL', url: config.downstream?.url },
  ] as const;
  for (const { key, url } of urls) {
    if (url !== undefined && isPlainHttpOffLoopback(url)) {
      warnings.push({ key, url: redactUrl(url), message: 'plain http:// to a host other than loopback: use https://' });
    }
  }
  return warnings;
}

function isPlainHttpOffLoopback(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false; // config.ts accepts only parseable URLs
  }
  return parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname);
}

/** `localhost` (and its subdomains, RFC 6761), 127.0.0.0/8 and ::1 (as WHATWG URL writes IPv6 hosts). */
function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '[::1]') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
