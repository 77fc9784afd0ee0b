import { fileURLToPath } from 'node:url';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createDeps } from '../../src/deps.js';
import { createLogger } from '../../src/logger.js';

/** Where the committed contract lives. */
export const OPENAPI_FILE = fileURLToPath(new URL('../../docs/openapi.json', import.meta.url));

/**
 * The OpenAPI document exactly as the app serves it at GET /openapi.json, as the text docs/openapi.json holds. The
 * document does not depend on the configuration, so any valid one does: an in-memory database, silent logs.
 */
export async function generateOpenApiDocument(): Promise<string> {
  const config = loadConfig({
    DATABASE_URL: 'sqlite::memory:',
    PERSONA_WEBHOOK_SECRET: 'wbhsec_openapi_generation_0123456789abcdef',
    PERSONA_API_KEY: 'persona_openapi_generation_0123456789',
    API_TOKENS: 'openapi-generation-token-0123456789abcdef',
    LOG_LEVEL: 'silent',
  });
  const deps = await createDeps(config, { logger: createLogger('silent') });
  const app = await buildApp({ ...deps, onEnqueued: () => undefined });
  try {
    await app.ready();
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
    await deps.database.close();
  }
}
