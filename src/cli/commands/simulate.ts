import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Command } from 'commander';
import { CliError } from '../api-client.js';
import type { Output } from '../output.js';

type Print = () => Output;

const number = (name: string) => (value: string) => {
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new CliError(`${name} must be a number, not '${value}'`);
  return parsed;
};

/** A one-line progress display on a terminal's stderr; silent otherwise (logs and pipes stay clean). */
function progressLine(): { update: (p: { requests: number; objects: number }) => void; done: () => void } {
  if (!process.stderr.isTTY) return { update: () => undefined, done: () => undefined };
  const started = performance.now();
  return {
    update({ requests, objects }) {
      const seconds = (performance.now() - started) / 1000;
      const rate = seconds > 0 ? Math.round(requests / seconds) : 0;
      process.stderr.write(`\rreplaying: ${requests.toLocaleString('en')} requests, ${objects.toLocaleString('en')} objects, ${rate.toLocaleString('en')} requests/s   `);
    },
    done: () => process.stderr.write('\r\x1b[K'),
  };
}

export function registerSimulationCommands(program: Command, output: Print): void {
  program
    .command('simulate')
    .description('replay an access trace through every policy in virtual time and compare costs against the offline optimum (runs locally, no server needed)')
    .requiredOption('--trace <file>', 'trace file: CSV with header (timestamp,object_id,size[,op]), libCacheSim oracleGeneral, vscsi or Common/Combined Log Format')
    .option('--format <format>', 'force the trace format: csv, oracle-general, vscsi or clf (default: detected)')
    .option('--policies <list>', 'comma-separated policies, or all: hybrid, reactive, seed-thresholds, s3-intelligent-tiering, fabricpool-auto, static-<tier>, optimal, optimal-reactive', 'all')
    .option('--profile <name|file>', 'price/performance profile: seed, hybrid-cloud, or a profile JSON file', 'seed')
    .option('--time-scale <k>', 'stretch trace time by k (for traces too short for day-scale decisions)', number('--time-scale'), 1)
    .option('--report <dir>', 'write an HTML report with charts and result.json to this folder')
    .option('--skip-bad', 'skip malformed records (counted in the report) instead of stopping at the first')
    .option('--extent-bytes <n>', 'block traces: bytes per extent, the unit that becomes one object', number('--extent-bytes'))
    .option('--max-sort-records <n>', 'an out-of-order trace of at most this many records is sorted in memory', number('--max-sort-records'), 5_000_000)
    .action(async (options: { trace: string; format?: string; policies: string; profile: string; timeScale: number; report?: string; skipBad?: boolean; extentBytes?: number; maxSortRecords: number }) => {
      const out = output();
      const { runSimulation } = await import('../../sim/run-simulation.js');
      const { renderTable, toResultJson, writeReport } = await import('../../sim/report/index.js');
      const progress = progressLine();
      let result;
      try {
        result = await runSimulation({ ...options, skipBad: options.skipBad === true, onProgress: progress.update });
      } finally {
        progress.done();
      }
      if (options.report) {
        const written = await writeReport(options.report, result);
        process.stderr.write(`report written to ${written.index}\n`);
      }
      out.print(out.json ? JSON.stringify(toResultJson(result), null, 2) : renderTable(result));
    });

  program
    .command('generate-trace')
    .description('write a seeded synthetic access trace (CSV timestamp,object_id,size): daily cycles, flash crowds, one-hit objects, Zipf popularity')
    .option('--out <file>', 'where to write the CSV (default: standard output)')
    .option('--objects <n>', 'number of objects', number('--objects'), 10_000)
    .option('--days <d>', 'length of the trace, days', number('--days'), 14)
    .option('--seed <n>', 'random seed: the same options give the same trace', number('--seed'), 1)
    .option('--start <iso-date>', 'start of the trace (UTC)', '2026-01-05T00:00:00Z')
    .option('--accesses-per-object-per-day <n>', 'mean daily accesses per object', number('--accesses-per-object-per-day'), 5)
    .action(async (options: { out?: string; objects: number; days: number; seed: number; start: string; accessesPerObjectPerDay: number }) => {
      const start = Date.parse(options.start);
      if (Number.isNaN(start)) throw new CliError(`--start '${options.start}' is not a date`, 'for example 2026-01-05T00:00:00Z');
      if (!(options.objects >= 1) || !Number.isInteger(options.objects)) throw new CliError('--objects must be a whole number ≥ 1');
      if (!(options.days > 0)) throw new CliError('--days must be > 0');
      const { generateAccesses, toCsvLines } = await import('../../sim/synthetic.js');
      const lines = toCsvLines(
        generateAccesses({ seed: options.seed, objects: options.objects, days: options.days, start, meanDailyAccesses: options.objects * options.accessesPerObjectPerDay }),
      );
      const sink = options.out ? createWriteStream(options.out) : process.stdout;
      let count = -1;
      let chunk = '';
      for (const line of lines) {
        chunk += `${line}\n`;
        count++;
        if (chunk.length > 1 << 16) {
          if (!sink.write(chunk)) await once(sink, 'drain');
          chunk = '';
        }
      }
      sink.write(chunk);
      if (options.out) {
        await new Promise<void>((resolve, reject) => (sink as ReturnType<typeof createWriteStream>).end((error?: Error | null) => (error ? reject(error) : resolve())));
        process.stderr.write(`wrote ${count.toLocaleString('en')} requests to ${options.out}\n`);
      }
    });
}
