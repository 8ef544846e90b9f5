import { useState } from 'preact/hooks';
import { uploadObject } from '../api/objects.js';
import type { ObjectJson } from '../api/types.js';
import { TierBadge } from '../components/badges.js';
import { ErrorNote, SuccessNote } from '../components/messages.js';
import { formatBytes } from '../format.js';
import { useAction } from '../hooks/use-action.js';
import { useTiers } from '../hooks/use-tiers.js';
import { Link, objectHref } from '../router.js';

/** Upload a file (streamed to the server as multipart) into the ingest tier or a chosen one. */
export function UploadForm({ onUploaded }: { onUploaded?: (object: ObjectJson) => void }) {
  const tiers = useTiers();
  const [file, setFile] = useState<File | undefined>();
  const [tier, setTier] = useState('');
  const action = useAction<ObjectJson>();
  const submit = (event: Event) => {
    event.preventDefault();
    if (!file) return;
    void action.run(async () => {
      const object = await uploadObject(file, { tier: tier || undefined });
      onUploaded?.(object);
      return object;
    });
  };
  return (
    <form class="action" onSubmit={submit} aria-labelledby="upload-title">
      <h3 id="upload-title">Upload a file</h3>
      <label>
        File
        <input type="file" name="file" required onChange={(e) => setFile(e.currentTarget.files?.[0])} />
      </label>
      <label>
        Tier
        <select value={tier} onChange={(e) => setTier(e.currentTarget.value)}>
          <option value="">the ingest tier (default)</option>
          {tiers.map((t) => (
            <option key={t.name} value={t.name}>
              {t.name}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" disabled={action.busy || !file}>
        {action.busy ? 'Uploading…' : 'Upload'}
      </button>
      {action.error ? <ErrorNote doing="upload the file" error={action.error} /> : null}
      {action.result ? (
        <SuccessNote>
          Stored <strong>{action.result.name ?? 'the file'}</strong> ({formatBytes(action.result.size_bytes)}) in <TierBadge tier={action.result.current_tier} /> as object{' '}
          <Link href={objectHref(action.result.object_id)} data-testid="uploaded-object">
            {action.result.object_id}
          </Link>
          .
        </SuccessNote>
      ) : null}
    </form>
  );
}
