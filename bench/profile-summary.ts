/**
 * Where a service's CPU time went, from a `node --cpu-prof` profile (`npm run bench -- --cpu-prof DIR` writes
 * them): self time per function and per module group (the service's own files, each dependency, Node internals,
 * idle/GC). Usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [top]
 */
import { readFileSync } from 'node:fs';
import { formatTable } from '../scripts/lib/report.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function summarize(profile: CpuProfile, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byGroup = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
    const fn = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    byGroup.set(groupOf(frame), (byGroup.get(groupOf(frame)) ?? 0) + us);
  }
  const inclusive = inclusiveTimes(profile, byId, selfUs);
  const rows = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => [name, `${(us / 1000).toFixed(0)} ms`, `${((100 * us) / total).toFixed(1)} %`]);
  const wall = (profile.endTime - profile.startTime) / 1e6;
  return [
    `profile: ${wall.toFixed(1)} s wall, ${(total / 1e6).toFixed(1)} s sampled`,
    '',
    formatTable(['group', 'self', 'share'], rows(byGroup)),
    '',
    formatTable(['function', 'self', 'share'], rows(byFunction)),
    '',
    formatTable(['function (inclusive: itself and what it called)', 'total', 'share'], rows(inclusive)),
  ].join('\n');
}

/** Time with each function on the stack (counted once per sample even when recursive); idle and GC excluded. */
function inclusiveTimes(
  profile: CpuProfile,
  byId: Map<number, ProfileNode>,
  selfUs: Map<number, number>,
): Map<string, number> {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const totals = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (!frame || !frame.url) continue; // (root), (idle), (program), (garbage collector), native frames
      const fn = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
      if (seen.has(fn)) continue;
      seen.add(fn);
      totals.set(fn, (totals.get(fn) ?? 0) + us);
    }
  }
  return totals;
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 1);
  return url.replace(/^file:\/\//, '');
}

function groupOf(frame: ProfileNode['callFrame']): string {
  if (!frame.url) return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  if (frame.url.startsWith('node:')) return 'node internals';
  const nm = frame.url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = frame.url.slice(nm + 'node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1] ?? ''}` : (parts[0] ?? '?');
  }
  const dist = frame.url.indexOf('/dist/');
  return dist >= 0
    ? `service ${frame.url
        .slice(dist + 1)
        .split('/')
        .slice(0, 2)
        .join('/')}`
    : frame.url;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, top = '25'] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  console.log(summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(top)));
}
