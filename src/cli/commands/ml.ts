import type { Command } from 'commander';
import type { ApiClient } from '../api-client.js';
import { formatTable, formatUsd } from '../format.js';
import { emit, type Output } from '../output.js';
import type { PredictionJson } from '../../api/schemas.js';

type Context = () => { client: ApiClient; out: Output };

interface TrainingJson {
  status: string;
  message: string;
  served: { version: number; family: string };
  trained_from: string | null;
  trained_to: string | null;
  objects: number;
  train_rows: number;
  test_rows: number;
  backtest: Array<{ family: string; mae: number; wmape: number | null }>;
}

/** The break-even rule's view of the object, in lines. */
function breakEvenLines(b: NonNullable<PredictionJson['break_even']>): string[] {
  return [
    `break-even rule: ${Object.keys(b.break_even_usd)
      .map((tier) => `${tier} ${formatUsd(b.extra_paid_by_staying_usd[tier] ?? 0)} paid of ${formatUsd(b.break_even_usd[tier] ?? 0)}`)
      .join(', ')}`,
    `next access: ${b.forecast_gap_seconds === null ? 'too little history to forecast' : `in about ${b.forecast_gap_seconds} s`}${b.p_next_access_within_break_even === null ? '' : ` (P ${b.p_next_access_within_break_even} before demotion would pay)`}`,
    `next burst: ${b.next_burst_at ?? 'no steady rhythm'}; timer: ${b.decision_due_at ?? 'none (it stays unless accessed)'}`,
  ];
}

interface SweepJson {
  objects: number;
  planned: Array<{ object_id: string; from: string; to: string; reason: string; predicted_accesses: number; saving_usd: number }>;
  model: { version: number; family: string };
  duration_ms: number;
}

const pct = (v: number | null) => (v === null ? '-' : `${(v * 100).toFixed(1)}%`);

export function registerMlCommands(program: Command, context: Context): void {
  program
    .command('train-model')
    .description('train the access forecaster on the catalog\'s history and print the backtest')
    .action(async () => {
      const { client, out } = context();
      const report = await client.json<TrainingJson>('POST', '/api/ml/train');
      emit(out, report, () => {
        const lines = [report.message];
        if (report.backtest.length > 0) {
          lines.push(
            '',
            formatTable(
              ['model', 'MAE (accesses/24 h)', 'weighted MAPE', 'served'],
              report.backtest.map((b) => [b.family, b.mae.toFixed(3), pct(b.wmape), b.family === report.served.family ? 'yes' : '']),
            ),
            '',
            `history ${report.trained_from} → ${report.trained_to}: ${report.objects} objects, ${report.train_rows} training rows, ${report.test_rows} held-out rows`,
          );
        }
        return lines.join('\n');
      });
    });

  program
    .command('predict-access')
    .description('forecast an object\'s accesses over the next 24 h, with the model, the features and the tier it implies')
    .argument('<object_id>')
    .action(async (objectId: string) => {
      const { client, out } = context();
      const p = await client.json<PredictionJson>('GET', `/api/objects/${encodeURIComponent(objectId)}/predict`);
      emit(out, p, () =>
        [
          `object_id: ${p.object_id}`,
          `predicted_next_24h: ${p.predicted_next_24h}`,
          `model: ${p.model_family} (version ${p.model_version})`,
          `placement: ${p.placement.would_move ? `move ${p.current_tier} → ${p.placement.best_tier}, saving ${formatUsd(p.placement.saving_usd)}` : `stay in ${p.current_tier}`} over ${p.placement.planning_window_hours} h`,
          ...(p.break_even ? breakEvenLines(p.break_even) : []),
          '',
          formatTable(['feature', 'value'], Object.entries(p.features).map(([k, v]) => [k, v])),
        ].join('\n'),
      );
    });

  program
    .command('run-proactive')
    .description('run the proactive sweep now: forecast every object and plan the moves that pay')
    .action(async () => {
      const { client, out } = context();
      const report = await client.json<SweepJson>('POST', '/api/proactive/run');
      emit(out, report, () => {
        const head = `forecast ${report.objects} objects with the ${report.model.family} model (v${report.model.version}) in ${report.duration_ms} ms; planned ${report.planned.length} moves`;
        if (report.planned.length === 0) return head;
        return `${head}\n\n${formatTable(
          ['object_id', 'from', 'to', 'reason', 'predicted 24 h', 'saving'],
          report.planned.map((m) => [m.object_id, m.from, m.to, m.reason, m.predicted_accesses, formatUsd(m.saving_usd)]),
        )}`;
      });
    });
}
