/** The object id input of an action form (left out when the form belongs to one object). */
export function ObjectIdField({ value, onInput, id }: { value: string; onInput: (value: string) => void; id: string }) {
  return (
    <label for={id}>
      Object id
      <input id={id} name="object_id" required value={value} onInput={(e) => onInput(e.currentTarget.value.trim())} placeholder="object_id" autoComplete="off" spellcheck={false} />
    </label>
  );
}
