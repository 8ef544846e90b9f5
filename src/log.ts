import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/**
 * Readable lines on a terminal (so `npm start` narrates what happens), structured JSON
 * otherwise (for log shippers). The pretty stream runs in-process: no worker thread to
 * lose lines on exit.
 */
export function createLogger(level: string, destination: NodeJS.WritableStream = process.stdout): Logger {
  const isTerminal = (destination as NodeJS.WriteStream).isTTY === true && process.env.TIERCAST_LOG_FORMAT !== 'json';
  if (isTerminal || process.env.TIERCAST_LOG_FORMAT === 'pretty') {
    return pino(
      { level },
      pretty({ destination, colorize: isTerminal, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true }),
    );
  }
  return pino({ level }, destination);
}
