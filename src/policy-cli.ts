import { existsSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseEnv } from 'node:util';
import { runPolicyCli } from './backtest/run-policy-cli.js';

/**
 * `npm run policy -- check|backtest …`, or `node dist/policy-cli.js …` in the image: the operator's policy tool
 * (usage: src/backtest/cli-args.ts). Like main.ts, the one place it reads the environment: `.env` when present, the
 * real environment over it. Exit codes: 0 done, 1 a failure (one line on stderr), 2 bad usage.
 */
function readEnv(): Record<string, string | undefined> {
  const fromFile = existsSync('.env') ? parseEnv(readFileSync('.env', 'utf8')) : {};
  return { ...fromFile, ...process.env };
}

runPolicyCli(process.argv.slice(2), {
  env: readEnv(),
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  now: () => performance.now(),
  // libuv's getrusage: kilobytes
  peakRssBytes: () => process.resourceUsage().maxRSS * 1024,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // expected failures are one line from runPolicyCli; this is a bug, shown whole
    const shown = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`policy: unexpected error: ${shown}\n`);
    process.exitCode = 1;
  },
);
