// Preloaded into the real service by test/e2e/fatal-crash.test.ts (node --import): SIGUSR2 makes the process crash
// the way a bug would, with an exception nobody catches or a rejection nobody awaits (CRASH_KIND=rejection).
process.on('SIGUSR2', () => {
  if (process.env.CRASH_KIND === 'rejection') void Promise.reject(new Error('injected rejection nobody awaited'));
  else
    setImmediate(() => {
      throw new Error('injected uncaught exception');
    });
});
