import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { generateOpenApiDocument, OPENAPI_FILE } from './lib/openapi-document.js';

/** `npm run openapi`: writes docs/openapi.json from the route schemas (a test fails while it is stale). */
writeFileSync(OPENAPI_FILE, await generateOpenApiDocument());
process.stdout.write(`wrote ${relative(process.cwd(), OPENAPI_FILE)}\n`);
