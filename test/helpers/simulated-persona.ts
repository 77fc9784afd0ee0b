import { afterEach } from 'vitest';
import { startSimulatorStack, type SimulatorStack } from '../../src/sim/stack.js';
import { createTestContext, TEST_WEBHOOK_SECRET, type TestContext } from './test-app.js';

/**
 * For a describe whose service talks to the Persona simulator over loopback (no nock): `start(env)` starts the
 * simulator and sink, and a test context wired to them (Persona API, downstream); both are closed after each test.
 * The simulator signs with the test context's webhook secret.
 */
export function useSimulatedPersona(): (
  env?: Record<string, string>,
) => Promise<{ c: TestContext; s: SimulatorStack }> {
  let ctx: TestContext | undefined;
  let stack: SimulatorStack | undefined;
  afterEach(async () => {
    await ctx?.cleanup();
    await stack?.close();
    ctx = undefined;
    stack = undefined;
  });
  return async (env = {}) => {
    stack = await startSimulatorStack({ webhookSecret: TEST_WEBHOOK_SECRET });
    ctx = await createTestContext({
      env: {
        PERSONA_API_URL: stack.env.PERSONA_API_URL,
        PERSONA_API_KEY: stack.env.PERSONA_API_KEY,
        DOWNSTREAM_URL: stack.env.DOWNSTREAM_URL,
        DOWNSTREAM_SIGNING_SECRET: stack.env.DOWNSTREAM_SIGNING_SECRET,
        ...env,
      },
    });
    return { c: ctx, s: stack };
  };
}
