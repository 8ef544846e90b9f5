import { trainModel } from '../api/system.js';
import type { Training } from '../api/types.js';
import { ErrorNote, SuccessNote } from '../components/messages.js';
import { formatCount } from '../format.js';
import { useAction } from '../hooks/use-action.js';

/** Train the forecaster on the catalog's history and show the backtest. */
export function TrainForm() {
  const action = useAction<Training>();
  const result = action.result;
  return (
    <form
      class="action"
      aria-labelledby="train-title"
      onSubmit={(event) => {
        event.preventDefault();
        void action.run(trainModel);
      }}
    >
      <h3 id="train-title">Train the model</h3>
      <p class="muted small">Learns from the catalog's access history; the new model is served only if it beats the baseline on held-out hours.</p>
      <button type="submit" disabled={action.busy}>
        {action.busy ? 'Training…' : 'Train now'}
      </button>
      {action.error ? <ErrorNote doing="train the model" error={action.error} /> : null}
      {result ? (
        <SuccessNote>
          <p>
            {sentence(result.message)} Serving {result.served.family}
            {result.served.version ? ` v${result.served.version}` : ''} ({formatCount(result.train_rows)} training rows, {formatCount(result.test_rows)} test rows,{' '}
            {(result.duration_ms / 1000).toFixed(1)} s).
          </p>
          {result.backtest.length > 0 ? (
            <table class="compact">
              <caption>Backtest on held-out hours (lower is better)</caption>
              <thead>
                <tr>
                  <th scope="col">model</th>
                  <th scope="col" class="num">MAE (accesses)</th>
                  <th scope="col" class="num">weighted MAPE</th>
                </tr>
              </thead>
              <tbody>
                {result.backtest.map((b) => (
                  <tr key={b.family}>
                    <td>{b.family}</td>
                    <td class="num">{b.mae.toFixed(3)}</td>
                    <td class="num">{b.wmape === null ? '—' : `${(b.wmape * 100).toFixed(1)} %`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </SuccessNote>
      ) : null}
    </form>
  );
}

/** The server's message as a sentence: capital first, full stop last. */
const sentence = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1).replace(/\.?$/, '.')}`;
