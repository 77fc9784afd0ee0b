import { randomBytes } from 'node:crypto';
import type { Scenario, ScenarioKey } from './scenarios.js';
import { findScenario } from './scenarios.js';

/**
 * The simulator keeps no scenario registry: an inquiry id names its scenario, so any number of inquiries can be
 * made without setup, by any process (the sender and the simulator may run apart).
 *
 *   inquiry       inq_<code>_<suffix>          inq_allPassed_k3J9x
 *   verification  ver_<code>_<suffix>_<slot>   ver_allPassed_k3J9x_gov1
 *   report        rep_<code>_<suffix>_<slot>   rep_allPassed_k3J9x_watchlist
 *
 * `<code>` is the scenario key in camelCase (`all-passed` → `allPassed`); decoding turns it back into kebab case
 * (keys are lowercase words joined by dashes, so the mapping is reversible). `<suffix>` is 1–64 letters or digits
 * chosen by the caller (random by default); `<slot>` is the verification's or report's slot in the scenario.
 * Persona's own ids are `<prefix>_<base58ish>`; underscores inside are unusual but harmless to every client.
 */

const SUFFIX = /^[A-Za-z0-9]{1,64}$/;
const INQUIRY_ID = /^inq_([a-z][A-Za-z]*)_([A-Za-z0-9]{1,64})$/;
const RESOURCE_ID = /^(ver|rep)_([a-z][A-Za-z]*_[A-Za-z0-9]{1,64})_([a-z][a-z0-9]*)$/;

export interface InquiryRef {
  inquiryId: string;
  scenario: Scenario;
  suffix: string;
}

export interface ResourceRef {
  kind: 'verification' | 'report';
  /** The inquiry the id was derived from (it may still name no scenario). */
  inquiryId: string;
  slot: string;
}

export function toScenarioCode(key: ScenarioKey): string {
  return key.replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

export function fromScenarioCode(code: string): string {
  return code.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** 16 random letters and digits: enough that ids made by parallel processes never collide. */
export function randomSuffix(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  return [...randomBytes(16)].map((byte) => alphabet[byte % alphabet.length]).join('');
}

export function inquiryIdFor(key: ScenarioKey, suffix: string = randomSuffix()): string {
  if (!SUFFIX.test(suffix)) throw new RangeError('inquiry id suffix must be 1-64 letters or digits');
  return `inq_${toScenarioCode(key)}_${suffix}`;
}

/** The scenario an inquiry id names; null for ids of unknown shape or scenario (the simulator answers 404). */
export function parseInquiryId(inquiryId: string): InquiryRef | null {
  const match = INQUIRY_ID.exec(inquiryId);
  if (!match?.[1] || !match[2]) return null;
  const scenario = findScenario(fromScenarioCode(match[1]));
  return scenario ? { inquiryId, scenario, suffix: match[2] } : null;
}

export function verificationIdFor(inquiryId: string, slot: string): string {
  return `ver_${inquiryId.slice('inq_'.length)}_${slot}`;
}

export function reportIdFor(inquiryId: string, slot: string): string {
  return `rep_${inquiryId.slice('inq_'.length)}_${slot}`;
}

export function parseResourceId(id: string): ResourceRef | null {
  const match = RESOURCE_ID.exec(id);
  if (!match?.[1] || !match[2] || !match[3]) return null;
  return { kind: match[1] === 'ver' ? 'verification' : 'report', inquiryId: `inq_${match[2]}`, slot: match[3] };
}
