import { useEffect, useState } from 'preact/hooks';
import { simulateAccess } from '../api/objects.js';
import { TierBadge } from '../components/badges.js';
import { ErrorNote, SuccessNote } from '../components/messages.js';
import { formatCount } from '../format.js';
import { useAction } from '../hooks/use-action.js';
import { ObjectIdField } from './object-id-field.js';

type Result = Awaited<ReturnType<typeof simulateAccess>>;

/** Count accesses without moving bytes, as the seed's `simulate-access` does. */
export function SimulateForm({ objectId, defaultObjectId, onDone }: { objectId?: string; defaultObjectId?: string; onDone?: () => void }) {
  const [id, setId] = useState(objectId ?? defaultObjectId ?? '');
  const [count, setCount] = useState(100);
  const action = useAction<Result>();
  useEffect(() => {
    if (defaultObjectId) setId(defaultObjectId);
  }, [defaultObjectId]);
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const result = await simulateAccess(objectId ?? id, count);
      onDone?.();
      return result;
    });
  };
  return (
    <form class="action" onSubmit={submit} aria-labelledby="simulate-title">
      <h3 id="simulate-title">Simulate accesses</h3>
      {objectId ? null : <ObjectIdField id="simulate-object" value={id} onInput={setId} />}
      <label>
        Accesses
        <input type="number" name="count" min={1} max={1000000} required value={count} onInput={(e) => setCount(Number(e.currentTarget.value))} />
      </label>
      <button type="submit" disabled={action.busy}>
        {action.busy ? 'Recording…' : `Record ${formatCount(count || 0)} accesses`}
      </button>
      {action.error ? <ErrorNote doing="simulate accesses" error={action.error} /> : null}
      {action.result ? (
        <SuccessNote>
          Recorded {formatCount(action.result.accesses_recorded)} accesses to {action.result.object_id}; it is in <TierBadge tier={action.result.current_tier} /> now. A spike
          moves it within a second: watch the live feed.
        </SuccessNote>
      ) : null}
    </form>
  );
}
