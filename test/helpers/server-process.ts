import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait.js';

/** The repository root (this file is test/helpers/server-process.ts). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The real `tiercast` command; it runs the compiled dist/, so `npm run build` must have run. */
export const CLI_BIN = join(REPO_ROOT, 'bin', 'tiercast.js');

function assertBuilt(): void {
  if (!existsSync(join(REPO_ROOT, 'dist', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first (bin/tiercast.js runs the compiled code)');
  }
}

/**
 * Variables the configuration reads (TIERCAST_*, and the scale-out names such as
 * DATABASE_URL or MINIO_ENDPOINT): a child gets only those its test passes.
 */
const CONFIG_VARIABLE = /^(TIERCAST_|KAFKA_|MINIO_|AWS_|DATABASE_URL$)/;

/** The environment without any configuration setting of the caller's, so children are hermetic. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!CONFIG_VARIABLE.test(key)) env[key] = value;
  return { ...env, ...extra };
}

/** A port nothing listens on right now: bind port 0, read the port, close. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close((error) => (error ? reject(error) : resolvePort(port)));
    });
  });
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash); empty for a worker. */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly dataDir: string;
  /** Every stdout line so far (JSON log lines when not on a terminal). */
  readonly stdout: string[];
  readonly stderr: string[];
  /** Resolves when the process has exited. */
  readonly exited: Promise<ExitInfo>;
  /** stdout lines that parse as JSON objects (the structured log). */
  logRecords(): Array<Record<string, unknown>>;
  /** Polls the captured output until a log record satisfies `predicate`; returns it. */
  waitForLog(predicate: (record: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** SIGTERM, then waits for the exit (SIGKILL and an error if it takes longer than `timeoutMs`). */
  stop(timeoutMs?: number): Promise<ExitInfo>;
  /** SIGKILL (kill -9), then waits for the exit. */
  kill9(): Promise<ExitInfo>;
}

export interface StartServerOptions {
  dataDir: string;
  configFile?: string;
  /** Default: a free port. */
  port?: number;
  /** Extra environment (TIERCAST_LOG_FORMAT=json is always set). */
  env?: Record<string, string>;
  /** How long to wait for /api/health, ms. */
  startTimeoutMs?: number;
  /**
   * `serve --role`: 'worker' has no HTTP server, so readiness is its "worker running" log
   * line instead of /api/health (and `url` is empty). Default: no flag (role all).
   */
  role?: 'all' | 'api' | 'worker';
}

/** Children still running, killed if the test process exits without stopping them. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * Starts `node bin/tiercast.js serve` as a child process and resolves once GET /api/health
 * answers 200. Retries on a fresh port if the chosen one was taken in the meantime.
 */
export async function startServer(options: StartServerOptions): Promise<ServerProcess> {
  assertBuilt();
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, options.port ?? (await freePort()));
    } catch (error) {
      if (!(error instanceof PortTaken) || options.port !== undefined || attempt >= 3) throw error;
    }
  }
}

class PortTaken extends Error {}

async function startOnce(options: StartServerOptions, port: number): Promise<ServerProcess> {
  const args = [CLI_BIN, 'serve', '--port', String(port), '--data-dir', options.dataDir];
  if (options.configFile) args.push('--config', options.configFile);
  if (options.role) args.push('--role', options.role);
  const worker = options.role === 'worker';
  const child = spawn(process.execPath, args, {
    // Not the repo: a tiercast.config.json in the cwd would be picked up.
    cwd: dirname(resolve(options.dataDir)),
    env: cleanEnv({ TIERCAST_LOG_FORMAT: 'json', ...options.env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const stdout: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => stdout.push(line));
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  let exitInfo: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolveExit) => {
    // 'close', not 'exit': by then every output line has been read.
    child.once('close', (code, signal) => {
      live.delete(child);
      exitInfo = { code, signal };
      resolveExit(exitInfo);
    });
  });
  const url = worker ? '' : `http://127.0.0.1:${port}`;
  const describe = () => `server (pid ${child.pid}) output:\n${[...stdout, ...stderr].slice(-30).join('\n')}`;
  const workerRunning = () => stdout.some((line) => line.includes('"role":"worker"') && line.includes('Tiercast worker running'));

  try {
    const outcome = await waitFor(
      async () => {
        if (exitInfo) return 'exited' as const;
        if (worker) return workerRunning() ? ('healthy' as const) : undefined;
        const response = await fetch(`${url}/api/health`).catch(() => undefined);
        await response?.body?.cancel();
        return response?.status === 200 ? ('healthy' as const) : undefined;
      },
      {
        timeoutMs: options.startTimeoutMs ?? 20_000,
        intervalMs: 50,
        description: worker ? 'the worker\'s "Tiercast worker running" log line' : `GET ${url}/api/health to answer 200`,
      },
    );
    if (outcome === 'exited') {
      const taken = stderr.some((l) => l.includes('port is in use'));
      const message = `server exited during start-up (code ${exitInfo!.code}, signal ${exitInfo!.signal})\n${describe()}`;
      throw taken ? new PortTaken(message) : new Error(message);
    }
  } catch (error) {
    if (!exitInfo) {
      child.kill('SIGKILL');
      await exited;
    }
    throw error;
  }

  const logRecords = () =>
    stdout.flatMap((line) => {
      try {
        const parsed: unknown = JSON.parse(line);
        return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? [parsed as Record<string, unknown>] : [];
      } catch {
        return [];
      }
    });

  const signalAndWait = async (signal: NodeJS.Signals, timeoutMs: number): Promise<ExitInfo> => {
    if (exitInfo) return exitInfo;
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((r) => {
      timer = setTimeout(() => r('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    if (outcome !== 'timeout') return outcome;
    child.kill('SIGKILL');
    await exited;
    throw new Error(`server did not exit within ${timeoutMs} ms of ${signal}; killed\n${describe()}`);
  };

  return {
    url,
    port,
    pid: child.pid!,
    dataDir: options.dataDir,
    stdout,
    stderr,
    exited,
    logRecords,
    waitForLog: (predicate, timeoutMs = 10_000) =>
      waitFor(() => logRecords().find(predicate), { timeoutMs, description: `a matching log line\n${describe()}` }),
    stop: (timeoutMs = 20_000) => signalAndWait('SIGTERM', timeoutMs),
    kill9: () => signalAndWait('SIGKILL', 10_000),
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node bin/tiercast.js --api <api> ...args` and resolves with its exit code and
 * output (never rejects on a non-zero exit; the test asserts on it).
 */
export async function runCli(args: readonly string[], options: { api: string; cwd?: string; env?: Record<string, string>; timeoutMs?: number }): Promise<CliResult> {
  assertBuilt();
  const child = spawn(process.execPath, [CLI_BIN, '--api', options.api, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: cleanEnv(options.env ?? {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timeoutMs = options.timeoutMs ?? 30_000;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  // 'close' (not 'exit'): all output has been read by then.
  const code = await new Promise<number | null>((resolveCode, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode, signal) => resolveCode(signal ? null : exitCode));
  }).finally(() => {
    clearTimeout(timer);
    live.delete(child);
  });
  if (code === null) throw new Error(`tiercast ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`);
  return { code, stdout, stderr };
}
