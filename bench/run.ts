/**
 * npm run bench — figures, not assertions (issue 5). Everything on loopback: the built service (`node
 * dist/main.js`) on SQLite files in a temp folder, bare Fastify hello-world in its own process, the Persona
 * simulator and the downstream sink in this process, autocannon in this process. Prints markdown; `--out FILE`
 * also writes it. Every process started here is stopped by PID before the run ends. `--help` lists the options.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BurstResult, runBurst } from './phases/burst.js';
import { type IngestResult, runIngest } from './phases/ingest.js';
import { type LatencyResult, runLatency } from './phases/latency.js';
import { codeVersion, describeMachine, loadAverage } from './lib/machine.js';
import { burstSection, header, ingestSection, latencySection, rssSection, targetsSection } from './lib/markdown.js';
import { type Phase, parseBenchOptions } from './lib/options.js';
import { ROOT } from '../scripts/lib/service-process.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const options = parseBenchOptions(argv);
  const startedAt = new Date();
  const dir = mkdtempSync(join(tmpdir(), 'persona-decider-bench-'));
  const progress = (line: string): void => console.error(`▸ ${line}`);
  try {
    const machine = describeMachine(dir);
    const code = codeVersion(ROOT);
    const loadAtStart = loadAverage();
    progress(`machine: ${machine.nproc} CPUs, Node ${machine.node}, load ${loadAtStart}; work folder ${dir}`);
    // a phase that fails is reported as failed; the others still run and report
    const failures: string[] = [];
    const phase = async <T>(name: Phase, run: () => Promise<T>): Promise<T | null> => {
      if (!options.phases.has(name)) return null;
      try {
        return await run();
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        progress(`${name} failed: ${message}`);
        failures.push(`- ${name}: ${message}`);
        return null;
      }
    };
    const ingest: IngestResult[] | null = await phase('ingest', () => runIngest(options, dir, progress));
    const latency: LatencyResult | null = await phase('latency', () => runLatency(options, dir, progress));
    const burst: BurstResult | null = await phase('burst', () => runBurst(options, dir, progress));
    const sections = [
      header({
        startedAt,
        command: ['npm run bench', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' '),
        code,
        machine,
        loadAtStart,
        loadAtEnd: loadAverage(),
        durationS: (Date.now() - startedAt.getTime()) / 1000,
      }),
      targetsSection(ingest, latency, burst),
      ingest ? ingestSection(ingest, options) : null,
      latency ? latencySection(latency) : null,
      burst ? burstSection(burst) : null,
      rssSection(ingest, latency, burst),
      failures.length > 0 ? ['### Phases that failed', '', ...failures].join('\n') : null,
    ].filter((s): s is string => s !== null);
    const report = `${sections.join('\n\n')}\n`;
    console.log(`\n${report}`);
    if (options.out) {
      writeFileSync(options.out, report);
      progress(`written to ${options.out}`);
    }
    if (failures.length > 0) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
