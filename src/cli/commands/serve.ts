import type { Command } from 'commander';
import { CliError } from '../api-client.js';

/** How long a shutdown waits for busy connections (a download in progress) before closing them. */
const SHUTDOWN_DRAIN_MS = 10_000;

interface ServeOptions {
  port?: string;
  host?: string;
  dataDir?: string;
  config?: string;
}

/** `tiercast serve`: the embedded default in one process (API and workers). */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the Tiercast service (API on http://127.0.0.1:8000, data under ./data)')
    .option('-p, --port <port>', 'port to listen on (env TIERCAST_PORT; default 8000)')
    .option('--host <host>', 'address to listen on (env TIERCAST_HOST; default 127.0.0.1)')
    .option('-d, --data-dir <dir>', 'where the catalog and the folder tiers live (env TIERCAST_DATA_DIR; default ./data)')
    .option('-c, --config <file>', 'JSON configuration file (env TIERCAST_CONFIG; default ./tiercast.config.json if present)')
    .action(async (options: ServeOptions) => {
      if (options.port !== undefined && !/^\d+$/.test(options.port)) throw new CliError(`--port must be a number, got '${options.port}'`);
      // Loaded here, not at the top: the client commands start in a fifth of the time without the server.
      const [{ buildServer }, { createTiercast }, { loadConfig }, { createLogger }] = await Promise.all([
        import('../../api/server.js'),
        import('../../app.js'),
        import('../../config/load.js'),
        import('../../log.js'),
      ]);
      const config = loadConfig({
        configFile: options.config,
        port: options.port === undefined ? undefined : Number(options.port),
        host: options.host,
        dataDir: options.dataDir,
      });
      const log = createLogger(config.logLevel);
      const app = await createTiercast(config, { log });
      const api = await buildServer(app);
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
      await app.start();
      const address = api.server.address();
      const port = typeof address === 'object' && address ? address.port : config.server.port;
      const url = `http://${config.server.host}:${port}`;
      log.info(`Tiercast listening on ${url} (API docs ${url}/docs), data in ${config.dataDir}`);
      log.info(`tiers (fastest first): ${config.tiers.map((t) => `${t.name} [${t.backend.type}, $${t.pricing.storageGbMonth}/GB-month, ${t.latency.firstByteMs} ms]`).join(', ')}; ingest tier: ${config.ingestTier}`);

      let stopping = false;
      const shutdown = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info(`${signal}: stopping (finishing in-flight work)`);
        // Keep-alive connections still busy when close starts would hold it for the whole
        // keep-alive timeout; give them a deadline instead.
        const deadline = setTimeout(() => api.server.closeAllConnections(), SHUTDOWN_DRAIN_MS);
        deadline.unref();
        await api.close();
        clearTimeout(deadline);
        await app.stop();
        process.exit(0);
      };
      process.on('SIGINT', () => void shutdown('SIGINT'));
      process.on('SIGTERM', () => void shutdown('SIGTERM'));
    });
}
