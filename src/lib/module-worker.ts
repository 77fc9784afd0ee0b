import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread on a module of this package. Built, that is the `.js` file beside the caller; from source
 * (tests, `npm run dev`, the tsx-run scripts) the module is TypeScript, which a new thread cannot load until tsx's
 * loader is registered in it, so the thread registers it first. tsx is a dev dependency: production never takes
 * that branch.
 */
export function startModuleWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  if (!moduleUrl.pathname.endsWith('.ts')) return new Worker(moduleUrl, options);
  const entry = JSON.stringify(moduleUrl.href);
  const code = `import('tsx/esm/api').then(({ register }) => { register(); return import(${entry}); });`;
  return new Worker(code, { ...options, eval: true });
}

/** The URL of a sibling module of `callerUrl`, with the caller's own extension (`.js` built, `.ts` from source). */
export function siblingModule(callerUrl: string, name: string): URL {
  const extension = new URL(callerUrl).pathname.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${extension}`, callerUrl);
}
