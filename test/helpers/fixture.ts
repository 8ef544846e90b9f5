import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTiercast, type Tiercast } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import type { TiercastConfig } from '../../src/config/schema.js';
import type { Clock } from '../../src/domain/clock.js';
import { createLogger } from '../../src/log.js';

export type ConfigPatch = { [K in keyof TiercastConfig]?: TiercastConfig[K] extends object ? Partial<TiercastConfig[K]> : TiercastConfig[K] };

/** A fresh temp folder, removed by the returned cleanup. */
export async function tempDir(prefix = 'tiercast-test-'): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/**
 * Builds the configuration a test asks for on top of the defaults, in a temp data dir,
 * through the real loader (so tests exercise the same validation as `tiercast serve`).
 */
export function testConfig(dataDir: string, patch: Record<string, unknown> = {}): TiercastConfig {
  const env = { TIERCAST_LOG_LEVEL: process.env.TIERCAST_TEST_LOG_LEVEL ?? 'silent' };
  const file = join(dataDir, '..', `${dataDir.split('/').pop()}.config.json`);
  return structuredClone(loadConfigFromObject({ dataDir, ...patch }, env, file));
}

function loadConfigFromObject(raw: Record<string, unknown>, env: NodeJS.ProcessEnv, file: string): TiercastConfig {
  // The loader reads files only; writing the object out keeps one code path.
  writeFileSync(file, JSON.stringify(raw));
  return loadConfig({ configFile: file }, env) as TiercastConfig;
}

export interface TestApp {
  app: Tiercast;
  dataDir: string;
  /** Stops the app (as a clean shutdown) and starts a new one on the same data dir. */
  restart(): Promise<Tiercast>;
  /** Stops the app and removes its data dir. */
  close(): Promise<void>;
}

/** A complete embedded Tiercast on a temp data dir; timers off unless asked for. */
export async function startTestApp(options: { patch?: Record<string, unknown>; clock?: Clock; timers?: boolean; start?: boolean } = {}): Promise<TestApp> {
  const dir = await tempDir();
  const dataDir = join(dir.path, 'data');
  const config = testConfig(dataDir, options.patch);
  const build = () => createTiercast(config, { log: createLogger(config.logLevel), clock: options.clock, timers: options.timers ?? false });
  const first = await build();
  if (options.start !== false) await first.start();
  const testApp: TestApp = {
    app: first,
    dataDir,
    async restart() {
      await testApp.app.stop();
      testApp.app = await build();
      await testApp.app.start();
      return testApp.app;
    },
    async close() {
      await testApp.app.stop().catch(() => undefined);
      await dir.cleanup();
    },
  };
  return testApp;
}

/**
 * Waits until the app is quiet: published accesses recorded and flushed, the reactive
 * policy done deciding, migration commands delivered and every migration run ended.
 */
export async function settle(app: Tiercast): Promise<void> {
  await app.bus.drain();
  await app.aggregator.flush();
  await app.reactive.settled();
  await app.bus.drain();
  await app.executor.idle();
}
