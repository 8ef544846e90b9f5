import { useState } from 'preact/hooks';
import { MigrateForm } from '../actions/migrate-form.js';
import { SimulateForm } from '../actions/simulate-form.js';
import { SweepForm } from '../actions/sweep-form.js';
import { TrainForm } from '../actions/train-form.js';
import { UploadForm } from '../actions/upload-form.js';

/** What the seed's CLI does, as forms: each shows its result, or its error in words. */
export function Actions() {
  // The object just uploaded is what the next actions most likely concern.
  const [lastObject, setLastObject] = useState<string | undefined>();
  return (
    <div class="stack">
      <h1>Actions</h1>
      <div class="forms">
        <UploadForm onUploaded={(o) => setLastObject(o.object_id)} />
        <SimulateForm defaultObjectId={lastObject} />
        <MigrateForm defaultObjectId={lastObject} />
        <TrainForm />
        <SweepForm />
      </div>
    </div>
  );
}
