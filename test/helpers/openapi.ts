import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

/**
 * Validates values against Persona's vendored OpenAPI 3.1 document (vendor/persona-openapi/<version>), so test
 * fixtures cannot drift from the real schemas. The whole bundled document is registered under the id `persona`
 * and any JSON pointer into it can be compiled: '#/components/schemas/inquiry',
 * '#/webhooks/inquiry.completed/post/requestBody/content/application~1json/schema'.
 */
export interface OpenApiValidator {
  /** Error messages (instance path + message), empty when `value` is valid. */
  validate(pointer: string, value: unknown): string[];
}

const SPEC_ROOT = fileURLToPath(new URL('../../vendor/persona-openapi/', import.meta.url));
const DOCUMENT_ID = 'persona';
const NON_STANDARD_FORMATS = ['integer', 'json'] as const;

// ajv-formats is CommonJS: under NodeNext the default import is `module.exports`, whose `.default` is the plugin.
const addFormats = addFormatsModule.default;

// Parsing 3 MB of JSON and compiling the big polymorphic schemas is slow, so test files share one per version.
const validators = new Map<string, OpenApiValidator>();

export function createOpenApiValidator(version = '2025-12-08'): OpenApiValidator {
  const existing = validators.get(version);
  if (existing) return existing;
  const created = loadValidator(version);
  validators.set(version, created);
  return created;
}

function loadValidator(version: string): OpenApiValidator {
  const document: unknown = JSON.parse(readFileSync(`${SPEC_ROOT}${version}/openapi-bundled.json`, 'utf8'));
  // strict: false because OpenAPI adds keywords (discriminator, x-*, example) that plain JSON Schema lacks.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  // Persona's spec also uses non-standard formats that carry no constraint worth checking here.
  for (const name of NON_STANDARD_FORMATS) ajv.addFormat(name, true);
  ajv.addSchema(document as object, DOCUMENT_ID);
  const compiled = new Map<string, ValidateFunction>();

  function compile(pointer: string): ValidateFunction {
    const ref = `${DOCUMENT_ID}${toFragment(pointer)}`;
    let fn = compiled.get(ref);
    if (!fn) {
      fn = ajv.compile({ $ref: ref });
      compiled.set(ref, fn);
    }
    return fn;
  }

  return {
    validate(pointer, value) {
      const fn = compile(pointer);
      return fn(value) ? [] : (fn.errors ?? []).map(formatError);
    },
  };
}

function toFragment(pointer: string): string {
  if (pointer.startsWith('#/')) return pointer;
  if (pointer.startsWith('/')) return `#${pointer}`;
  throw new Error(`expected a JSON pointer like '#/components/schemas/inquiry', got '${pointer}'`);
}

function formatError(error: ErrorObject): string {
  const params = Object.keys(error.params).length > 0 ? ` ${JSON.stringify(error.params)}` : '';
  return `${error.instancePath || '/'} ${error.message ?? error.keyword}${params}`;
}
