import type { Command } from 'commander';
import { CliError } from '../api-client.js';
import { emit, type Output } from '../output.js';
import { serverEnvironment } from './serve.js';

interface CreateTopicsOptions {
  config?: string;
}

/**
 * `tiercast create-topics` (the seed's step 3): creates Tiercast's Kafka topics from the same
 * settings `serve` reads (KAFKA_BOOTSTRAP_SERVERS, KAFKA_TOPIC_*, or the config file's bus).
 * Running it again is harmless: existing topics are reported, not changed.
 */
export function registerCreateTopicsCommand(program: Command, context: () => { out: Output }): void {
  program
    .command('create-topics')
    .description('create the Kafka topics Tiercast uses (access events, migration commands and events, dead letters)')
    .option('-c, --config <file>', 'JSON configuration file (env TIERCAST_CONFIG; default ./tiercast.config.json if present)')
    .action(async (options: CreateTopicsOptions) => {
      const [{ loadConfig }, { createLogger }, { kafkaOptions }, { createTopics }] = await Promise.all([
        import('../../config/load.js'),
        import('../../log.js'),
        import('../../app.js'),
        import('../../bus/kafka-topics.js'),
      ]);
      const { env } = await serverEnvironment();
      const config = loadConfig({ configFile: options.config }, env);
      if (config.bus.type !== 'kafka') {
        throw new CliError('no Kafka is configured, so there are no topics to create', 'set KAFKA_BOOTSTRAP_SERVERS=host:port (or bus.type "kafka" in the config file)');
      }
      const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, process.stderr);
      const result = await createTopics(kafkaOptions(config.bus, log));
      emit(context().out, result, () =>
        [...result.created.map((t) => `created  ${t}`), ...result.existing.map((t) => `exists   ${t}`)].join('\n'),
      );
    });
}
