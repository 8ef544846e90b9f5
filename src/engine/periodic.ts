import type { Logger } from '../log.js';

/**
 * Runs `task` every `intervalMs`, never two at once: a slow run delays the next instead of
 * overlapping it. Errors are logged and the schedule goes on. Returns a stop function
 * that waits for a run in progress.
 */
export function every(intervalMs: number, name: string, task: () => Promise<unknown>, log: Logger): () => Promise<void> {
  let current: Promise<unknown> | undefined;
  let stopped = false;
  const timer = setInterval(() => {
    if (current || stopped) return;
    current = task()
      .catch((error) => log.error({ err: error, task: name }, `${name} failed; will run again in ${intervalMs / 1000} s`))
      .finally(() => {
        current = undefined;
      });
  }, intervalMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await current;
  };
}
