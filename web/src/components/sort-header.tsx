import type { ComponentChildren } from 'preact';

/** A column header that sorts the table by its field; a second press reverses the order. */
export function SortHeader<F extends string>(props: {
  field: F;
  sort: F;
  order: 'asc' | 'desc';
  onSort: (field: F, order: 'asc' | 'desc') => void;
  children: ComponentChildren;
  numeric?: boolean;
}) {
  const active = props.sort === props.field;
  const next = active && props.order === 'desc' ? 'asc' : 'desc';
  return (
    <th scope="col" aria-sort={active ? (props.order === 'asc' ? 'ascending' : 'descending') : 'none'} class={props.numeric ? 'num' : undefined}>
      <button type="button" class="sort" onClick={() => props.onSort(props.field, active ? next : 'desc')}>
        {props.children}
        <span class="sort-mark" aria-hidden="true">
          {active ? (props.order === 'asc' ? '▲' : '▼') : '↕'}
        </span>
      </button>
    </th>
  );
}
