import { request, type ClientRequest } from 'node:http';
import { waitFor } from './wait.js';

export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

export interface SseConnection {
  /** Every event received so far, in order. */
  readonly events: SseEvent[];
  /** Every comment line received so far (heartbeats, the greeting). */
  readonly comments: string[];
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  /** Polls until an event satisfies `predicate`; returns it. */
  waitForEvent(predicate: (event: SseEvent) => boolean, timeoutMs?: number, description?: string): Promise<SseEvent>;
  /** Drops the connection from the client side. */
  close(): void;
}

/**
 * Opens a server-sent event stream over a real HTTP connection and parses it as the
 * EventSource spec says (fields `id`, `event`, `data`; comment lines start with ':').
 */
export function openEventStream(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  return new Promise((resolve, reject) => {
    const events: SseEvent[] = [];
    const comments: string[] = [];
    let client: ClientRequest | undefined = undefined;
    client = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: SseEvent = { event: 'message', data: '' };
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) event.id = line.slice(4);
            else if (line.startsWith('event: ')) event.event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) events.push({ ...event, data: data.join('\n') });
        }
      });
      response.on('error', () => undefined);
      resolve({
        events,
        comments,
        status: response.statusCode ?? 0,
        headers: response.headers,
        waitForEvent: (predicate, timeoutMs = 15_000, description = 'a matching server-sent event') =>
          waitFor(() => events.find(predicate), { timeoutMs, description: `${description}; received: ${events.map((e) => `${e.event} ${e.data}`).join(' | ')}` }),
        close: () => client?.destroy(),
      });
    });
    client.on('error', reject);
    client.end();
  });
}
