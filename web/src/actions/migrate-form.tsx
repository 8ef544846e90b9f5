import { useEffect, useState } from 'preact/hooks';
import { migrateObject } from '../api/objects.js';
import type { MigrationJson } from '../api/types.js';
import { Move } from '../components/badges.js';
import { ErrorNote, SuccessNote } from '../components/messages.js';
import { shortId } from '../format.js';
import { useAction } from '../hooks/use-action.js';
import { useTiers } from '../hooks/use-tiers.js';
import { ObjectIdField } from './object-id-field.js';

/** Move an object by hand (reason `manual`); the policies then leave it there for a while, or for good when pinned. */
export function MigrateForm({ objectId, defaultObjectId, currentTier, onDone }: { objectId?: string; defaultObjectId?: string; currentTier?: string; onDone?: () => void }) {
  const tiers = useTiers();
  const [id, setId] = useState(objectId ?? defaultObjectId ?? '');
  const [tier, setTier] = useState('');
  const [pin, setPin] = useState(false);
  const action = useAction<MigrationJson>();
  useEffect(() => {
    if (defaultObjectId) setId(defaultObjectId);
  }, [defaultObjectId]);
  const target = tier || tiers.find((t) => t.name !== currentTier)?.name || '';
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const migration = await migrateObject(objectId ?? id, target, pin);
      onDone?.();
      return migration;
    });
  };
  return (
    <form class="action" onSubmit={submit} aria-labelledby="migrate-title">
      <h3 id="migrate-title">Migrate by hand</h3>
      {objectId ? null : <ObjectIdField id="migrate-object" value={id} onInput={setId} />}
      <label>
        To tier
        <select name="tier" value={target} onChange={(e) => setTier(e.currentTarget.value)}>
          {tiers.map((t) => (
            <option key={t.name} value={t.name}>
              {t.name}
              {t.name === currentTier ? ' (where it is)' : ''}
            </option>
          ))}
        </select>
      </label>
      <label class="check">
        <input type="checkbox" checked={pin} onChange={(e) => setPin(e.currentTarget.checked)} /> Pin it there until unpinned
      </label>
      <button type="submit" disabled={action.busy || !target}>
        {action.busy ? 'Planning…' : 'Migrate'}
      </button>
      {action.error ? <ErrorNote doing="migrate the object" error={action.error} /> : null}
      {action.result ? (
        <SuccessNote>
          Migration {shortId(action.result.id)} planned: <Move from={action.result.source_tier} to={action.result.destination_tier} />. Its steps appear in the live feed.
        </SuccessNote>
      ) : null}
    </form>
  );
}
