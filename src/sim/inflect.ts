/**
 * Key inflection as Persona applies it (https://docs.withpersona.com/api-key-inflection): responses are kebab-case
 * unless the `Key-Inflection` header (API) or the webhook's setting asks for camel or snake. The keys of an
 * inquiry's `fields` map are never inflected (API 2025-10-27 and later).
 */
export type KeyInflection = 'kebab' | 'camel' | 'snake';

export function parseKeyInflection(value: unknown): KeyInflection {
  return value === 'camel' || value === 'snake' ? value : 'kebab';
}

export function inflectKeys<T>(value: T, inflection: KeyInflection): T {
  return inflection === 'kebab' ? value : (inflect(value, inflection, false) as T);
}

function inflect(value: unknown, inflection: 'camel' | 'snake', keepKeys: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => inflect(item, inflection, false));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => [
      keepKeys ? key : rename(key, inflection),
      inflect(child, inflection, key === 'fields'),
    ]),
  );
}

function rename(key: string, inflection: 'camel' | 'snake'): string {
  return inflection === 'snake'
    ? key.replaceAll('-', '_')
    : key.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}
