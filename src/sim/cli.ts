import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseCliArgs, USAGE } from './cli-args.js';
import { awaitDeliveries, formatAwaitResult } from './cli-await.js';
import { fire } from './cli-fire.js';
import { isLifecycleScenario, listScenarios } from './scenarios.js';
import type { SimulatorStack, SimulatorStackOptions } from './stack.js';
import { startSimulatorStack } from './stack.js';

/**
 * `npm run sim` (node --import tsx src/sim/cli.ts) or `node dist/sim/cli.js`. See USAGE in cli-args.ts.
 * Exit codes: 0 done (serve: after SIGTERM/SIGINT), 1 a webhook was not acknowledged (or, with --await-deliveries, a
 * decision did not reach the sink as expected), 2 bad usage or startup failure.
 */
export async function main(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  const parsed = parseCliArgs(argv, env);
  if (!parsed.ok) {
    process.stderr.write(`${parsed.problems.map((p) => `persona-sim: ${p}`).join('\n')}\n\n${USAGE}\n`);
    return 2;
  }
  const { value } = parsed;
  if (value.command === 'help') return write(`${USAGE}\n`, 0);
  if (value.command === 'scenarios') {
    const lines = listScenarios().map((s) => {
      const steps = isLifecycleScenario(s) ? `  [${s.steps.map((step) => step.event).join(' → ')}]` : '';
      return `${s.key.padEnd(26)} ${s.expectedOutcome.padEnd(14)} ${s.description}${steps}`;
    });
    return write(`${lines.join('\n')}\n`, 0);
  }
  if (value.command === 'fire') {
    const print = (line: string): void => void process.stdout.write(`${line}\n`);
    const results = await fire(value.fire, print);
    if (!results.every((result) => result.acked)) return 1;
    const { awaitDeliveries: awaiting } = value.fire;
    if (awaiting === undefined) return 0;
    const verdict = await awaitDeliveries(
      results.map((result) => result.inquiryId),
      awaiting,
    );
    for (const line of formatAwaitResult(verdict, value.fire.json)) print(line);
    return verdict.ok ? 0 : 1;
  }
  return serve(value.stack, value.json);
}

async function serve(options: SimulatorStackOptions, json: boolean): Promise<number> {
  const stack = await startSimulatorStack(options);
  process.stdout.write(json ? `${JSON.stringify(describeStack(stack))}\n` : banner(stack));
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await stack.close();
  return 0;
}

function describeStack(stack: SimulatorStack): object {
  return { personaUrl: stack.persona.url, apiUrl: stack.persona.apiUrl, sinkUrl: stack.sink.url, env: stack.env };
}

function banner(stack: SimulatorStack): string {
  const env = Object.entries(stack.env).map(([key, val]) => `  ${key}=${val}`);
  return [
    'persona-sim is running (Ctrl-C to stop)',
    `  Persona API  ${stack.persona.apiUrl}   stats: GET ${stack.persona.url}/_sim/stats`,
    `  sink         ${stack.downstreamUrl}   deliveries: GET ${stack.sink.url}/_sink/deliveries`,
    '',
    'Point persona-decider at it (environment or .env):',
    ...env,
    '',
    `Send webhooks: npm run sim -- fire --target http://127.0.0.1:3000/webhooks/persona --scenario all`,
    '',
  ].join('\n');
}

function write(text: string, code: number): number {
  process.stdout.write(text);
  return code;
}

/** True when this file is the process entry (tsx runs the .ts, node the compiled .js), not when imported. */
function isEntry(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) {
  main(process.argv.slice(2), process.env).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`persona-sim: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
