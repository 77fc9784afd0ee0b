import {
  accountIdFor,
  FAKE_PII,
  DEFAULT_CREATED_AT,
  suffixOf,
  plusSeconds,
  link,
  fullName,
} from './persona-objects.js';
import type { JsonObject, PersonaResource } from './persona-objects.js';

/**
 * Screening report objects (watchlist, PEP, adverse media) as Persona serves them. Output validates against vendor/persona-openapi
 * (see persona-objects.ts for the conventions: fake PII in every personal slot, times derived from createdAt).
 */
export interface BuildReportInput {
  id: string; // rep_…
  type: 'report/watchlist' | 'report/politically-exposed-person' | 'report/adverse-media' | (string & {});
  status: string; // pending | ready | errored | …
  /** Omitted from the attributes when undefined, as on a pending report. */
  hasMatch?: boolean;
  inquiryId?: string | null;
  /** Default the inquiry's account (none without an inquiry); set it for an account-level report. */
  accountId?: string | null;
  createdAt?: string;
  completedAt?: string | null;
  attributes?: JsonObject;
}

export function buildReport(input: BuildReportInput): PersonaResource {
  const created = input.createdAt ?? DEFAULT_CREATED_AT;
  const completed =
    input.completedAt !== undefined ? input.completedAt : input.status === 'pending' ? null : plusSeconds(created, 5);
  const matched = input.hasMatch === true;
  const attributes: JsonObject = {
    status: input.status,
    'created-at': created,
    'completed-at': completed,
    'redacted-at': null,
    'report-template-version-name': 'v1',
    ...(input.hasMatch === undefined ? {} : { 'has-match': input.hasMatch }),
    'is-continuous': false,
    'is-recurring': false,
    tags: [],
    ...reportSpecificAttributes(input.type, matched),
    ...input.attributes,
  };
  const suffix = suffixOf(input.id);
  const inquiryId = input.inquiryId ?? null;
  const accountId =
    input.accountId !== undefined ? input.accountId : inquiryId === null ? null : accountIdFor(inquiryId);
  return {
    type: input.type,
    id: input.id,
    attributes,
    relationships: {
      inquiry: inquiryId === null ? { data: null } : link('inquiry', inquiryId),
      account: accountId === null ? { data: null } : link('account', accountId),
      transaction: { data: null },
      'report-template': link(input.type.replace(/^report\//, 'report-template/'), `rptp_${suffix}`),
    },
  };
}

function reportSpecificAttributes(type: string, matched: boolean): JsonObject {
  const name = { 'name-first': FAKE_PII.nameFirst, 'name-middle': FAKE_PII.nameMiddle, 'name-last': FAKE_PII.nameLast };
  const term = fullName();
  if (type === 'report/watchlist') {
    return {
      ...name,
      term,
      birthdate: FAKE_PII.birthdate,
      'country-code': 'US',
      'matched-lists': matched ? [watchlistMatch()] : [],
      'ignore-list': [],
    };
  }
  if (type === 'report/politically-exposed-person') {
    const query = { ...name, term, birthdate: FAKE_PII.birthdate, 'country-code': 'US' };
    return { query, result: matched ? [pepMatch()] : [], 'ignore-list': [] };
  }
  if (type === 'report/adverse-media') {
    return {
      ...name,
      term,
      'birthdate-year': Number(FAKE_PII.birthdate.slice(0, 4)),
      birthdate: FAKE_PII.birthdate,
      'country-code': 'US',
      'related-sources': matched ? [adverseMediaMatch()] : [],
      'ignore-list-media': {},
      'ignore-list-entity': [],
    };
  }
  return {};
}

function watchlistMatch(): JsonObject {
  const [year, month, day] = FAKE_PII.birthdate.split('-');
  return {
    name: 'Fictional Sanctions List',
    url: 'https://sanctions.example.invalid/list',
    'list-type': 'sanction',
    'list-types': ['sanction'],
    slug: 'fictional-sanctions',
    'flag-code': 'XX',
    entities: [
      {
        name: fullName(),
        'alias-type': 'primary_name',
        birthdates: [{ day: day ?? '', month: month ?? '', year: year ?? '', granularity: 'day' }],
      },
    ],
  };
}

function pepMatch(): JsonObject {
  return {
    'entity-id': 'FAKEPEP0001',
    name: fullName(),
    birthdates: [FAKE_PII.birthdate],
    'death-dates': [],
    locations: [FAKE_PII.addressCity],
    country: 'Fakeland',
    sex: null,
    topics: ['PEP'],
    positions: [
      {
        'pep-class': 'pep-class-1',
        'source-key': 'fictional-parliament',
        name: 'Member of Fictional Parliament',
        topics: [],
        'start-date': '2001-01-01',
        'end-date': null,
      },
    ],
    associates: [],
    affiliations: [],
    'related-urls': [],
    images: [],
    sources: {},
    'match-types': ['name_exact'],
    'pep-type': 'pep-class-1',
  };
}

function adverseMediaMatch(): JsonObject {
  return {
    akas: [],
    birthdates: [FAKE_PII.birthdate],
    'match-types': ['name_exact'],
    media: [
      {
        date: '2020-05-05',
        snippet: `${fullName()} appears in a fictional article.`,
        url: 'https://news.example.invalid/a',
        title: 'Fictional headline',
      },
    ],
    name: fullName(),
    sources: [{ 'country-codes': ['XX'], name: 'Adverse Media', types: ['adverse-media-v2-other-minor'] }],
    'entity-id': 'FAKEAM0001',
  };
}
