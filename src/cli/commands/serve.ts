import type { Command } from 'commander';
import { CliError } from '../api-client.js';
import type { Env } from '../../config/env.js';

/** How long a shutdown waits for busy connections (a download in progress) before closing them. */
const SHUTDOWN_DRAIN_MS = 10_000;

interface ServeOptions {
  port?: string;
  host?: string;
  dataDir?: string;
  config?: string;
  role?: string;
}

/**
 * The environment a server-side command configures itself from: ./.env (the seed's
 * `cp .env.example .env`) under the process environment, which wins.
 */
export async function serverEnvironment(): Promise<{ env: Env; dotEnvKeys: number }> {
  const { readDotEnv } = await import('../../config/env.js');
  const dotEnv = readDotEnv('.env');
  return { env: { ...dotEnv, ...process.env }, dotEnvKeys: Object.keys(dotEnv).length };
}

/** `tiercast serve`: the embedded default in one process, or one role of a scale-out deployment. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the Tiercast service (API on http://127.0.0.1:8000, data under ./data)')
    .option('-p, --port <port>', 'port to listen on (env TIERCAST_PORT; default 8000)')
    .option('--host <host>', 'address to listen on (env TIERCAST_HOST; default 127.0.0.1)')
    .option('-d, --data-dir <dir>', 'where the catalog and the folder tiers live (env TIERCAST_DATA_DIR; default ./data)')
    .option('-c, --config <file>', 'JSON configuration file (env TIERCAST_CONFIG; default ./tiercast.config.json if present)')
    .option('-r, --role <role>', 'all: API and workers; api: HTTP only; worker: migrations and policies, no HTTP (env TIERCAST_ROLE; default all)')
    .action(async (options: ServeOptions) => {
      if (options.port !== undefined && !/^\d+$/.test(options.port)) throw new CliError(`--port must be a number, got '${options.port}'`);
      if (options.role !== undefined && !['all', 'api', 'worker'].includes(options.role)) {
        throw new CliError(`--role must be all, api or worker, got '${options.role}'`);
      }
      // Loaded here, not at the top: the client commands start in a fifth of the time without the server.
      const [{ buildServer }, { createTiercast }, { loadConfig }, { createLogger }] = await Promise.all([
        import('../../api/server.js'),
        import('../../app.js'),
        import('../../config/load.js'),
        import('../../log.js'),
      ]);
      const { env, dotEnvKeys } = await serverEnvironment();
      const config = loadConfig(
        {
          configFile: options.config,
          port: options.port === undefined ? undefined : Number(options.port),
          host: options.host,
          dataDir: options.dataDir,
          role: options.role,
        },
        env,
      );
      const log = createLogger(config.logLevel);
      if (dotEnvKeys > 0) log.info(`read ${dotEnvKeys} setting(s) from ./.env (the environment wins over it)`);
      const app = await createTiercast(config, { log });
      const deployment = `catalog ${config.catalog.type}, bus ${config.bus.type}`;
      const tiers = `tiers (fastest first): ${config.tiers.map((t) => `${t.name} [${t.backend.type}, $${t.pricing.storageGbMonth}/GB-month, ${t.latency.firstByteMs} ms]`).join(', ')}; ingest tier: ${config.ingestTier}`;

      let api: Awaited<ReturnType<typeof buildServer>> | undefined;
      if (config.role !== 'worker') {
        api = await buildServer(app);
        try {
          await api.listen({ port: config.server.port, host: config.server.host });
        } catch (error) {
          await app.stop();
          const code = (error as NodeJS.ErrnoException).code;
          throw new CliError(
            `cannot listen on ${config.server.host}:${config.server.port}: ${code === 'EADDRINUSE' ? 'the port is in use' : (error as Error).message}`,
            'choose another port with --port or TIERCAST_PORT',
          );
        }
      }
      await app.start();
      if (api) {
        const address = api.server.address();
        const port = typeof address === 'object' && address ? address.port : config.server.port;
        const url = `http://${config.server.host}:${port}`;
        log.info({ role: config.role, owner: app.owner }, `Tiercast listening on ${url} (API docs ${url}/docs), role ${config.role}, ${deployment}, data in ${config.dataDir}`);
      } else {
        log.info({ role: config.role, owner: app.owner }, `Tiercast worker running as ${app.owner} (no HTTP), ${deployment}`);
      }
      // A worker has no listening socket; this keeps it alive even while its broker connections are down.
      const keepAlive = config.role === 'worker' ? setInterval(() => undefined, 1 << 30) : undefined;
      log.info(tiers);

      let stopping = false;
      const shutdown = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info(`${signal}: stopping (finishing in-flight work)`);
        if (api) {
          // Keep-alive connections still busy when close starts would hold it for the whole
          // keep-alive timeout; give them a deadline instead.
          const server = api.server;
          const deadline = setTimeout(() => server.closeAllConnections(), SHUTDOWN_DRAIN_MS);
          deadline.unref();
          await api.close();
          clearTimeout(deadline);
        }
        await app.stop();
        clearInterval(keepAlive);
        process.exit(0);
      };
      process.on('SIGINT', () => void shutdown('SIGINT'));
      process.on('SIGTERM', () => void shutdown('SIGTERM'));
    });
}
