/**
 * Runs trainAndBacktest on a worker thread, so that seconds of tree building never stall
 * the API's event loop. The histories cross as one transferred Float64Array.
 */
import { existsSync } from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { ObjectHistory } from './dataset.js';
import { trainAndBacktest, type TrainingOutcome, type TrainingSettings } from './training.js';

interface PackedHistories {
  counts: Float64Array;
  startMs: number;
  hours: number;
  objects: Array<Omit<ObjectHistory, 'series'>>;
}

interface Job {
  packed: PackedHistories;
  settings: TrainingSettings;
}

function pack(histories: readonly ObjectHistory[], startMs: number, hours: number): PackedHistories {
  const counts = new Float64Array(histories.length * hours);
  histories.forEach((h, i) => counts.set(h.series.counts, i * hours));
  return { counts, startMs, hours, objects: histories.map(({ objectId, group, facts }) => ({ objectId, group, facts })) };
}

function unpack(packed: PackedHistories): ObjectHistory[] {
  return packed.objects.map((o, i) => ({ ...o, series: { startMs: packed.startMs, counts: packed.counts.subarray(i * packed.hours, (i + 1) * packed.hours) } }));
}

/**
 * The worker runs this very module as compiled JavaScript. When the sources run through tsx
 * (tests, benchmarks) that is the build's copy: tsx's loader does not reach worker threads
 * on Node 20, and `npm test` builds first.
 */
function workerEntry(): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL(import.meta.url);
  const built = new URL('../../dist/forecast/training-worker.js', import.meta.url);
  if (!existsSync(built)) throw new Error(`training runs on a worker thread from the build: run \`npm run build\` first (${built.pathname} is missing)`);
  return built;
}

/** Trains off the main thread; resolves with the same outcome trainAndBacktest gives. */
export function trainInWorker(histories: readonly ObjectHistory[], startMs: number, hours: number, settings: TrainingSettings): Promise<TrainingOutcome> {
  const packed = pack(histories, startMs, hours);
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerEntry(), { workerData: { packed, settings } satisfies Job, transferList: [packed.counts.buffer as ArrayBuffer] });
    let settled = false;
    worker.once('message', (outcome: TrainingOutcome) => {
      settled = true;
      resolve(outcome);
    });
    worker.once('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the training worker exited with code ${code} before reporting`));
    });
  });
}

if (!isMainThread && parentPort && (workerData as Job | undefined)?.packed) {
  const job = workerData as Job;
  parentPort.postMessage(trainAndBacktest(unpack(job.packed), job.packed.hours, job.settings));
}
