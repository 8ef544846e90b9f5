import { useEffect, useState } from 'preact/hooks';
import { listObjects, type ObjectSort } from '../api/objects.js';
import { TierBadge } from '../components/badges.js';
import { ErrorNote, Loading } from '../components/messages.js';
import { Pager } from '../components/pager.js';
import { SortHeader } from '../components/sort-header.js';
import { formatBytes, formatCount, formatRelative, formatTime, shortId } from '../format.js';
import { useAsync } from '../hooks/use-async.js';
import { useTiers } from '../hooks/use-tiers.js';
import { useTierChanges } from '../live/use-live.js';
import { Link, objectHref } from '../router.js';

const PAGE_SIZES = [25, 50, 100];
const SEARCH_DELAY_MS = 300;

/** Every object, searched, sorted and paged by the server (fast with 100,000 objects); tiers update live. */
export function Objects() {
  const tiers = useTiers();
  const [input, setInput] = useState('');
  const [q, setQ] = useState('');
  const [tier, setTier] = useState('');
  const [sort, setSort] = useState<ObjectSort>('created_at');
  const [order, setOrder] = useState<'asc' | 'desc'>('desc');
  const [limit, setLimit] = useState(50);
  const [offset, setOffset] = useState(0);
  /** Tiers that changed live since the page was loaded: object id → tier. */
  const [moved, setMoved] = useState<Map<string, string>>(new Map());

  useEffect(() => {
    const timer = setTimeout(() => {
      setQ(input.trim());
      setOffset(0);
    }, SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [input]);

  const page = useAsync(() => listObjects({ q, tier, sort, order, limit, offset }), [q, tier, sort, order, limit, offset]);
  useEffect(() => setMoved(new Map()), [page.data]);
  useTierChanges((event) => setMoved((current) => new Map(current).set(event.object_id, event.tier)));

  const onSort = (field: ObjectSort, nextOrder: 'asc' | 'desc') => {
    setSort(field);
    setOrder(nextOrder);
    setOffset(0);
  };
  const header = (field: ObjectSort, label: string, numeric = false) => (
    <SortHeader field={field} sort={sort} order={order} onSort={onSort} numeric={numeric}>
      {label}
    </SortHeader>
  );

  return (
    <div class="stack">
      <h1>Objects</h1>
      <form class="toolbar" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search id or name
          <input type="search" value={input} onInput={(e) => setInput(e.currentTarget.value)} placeholder="e.g. report or 5b0e" />
        </label>
        <label>
          Tier
          <select
            value={tier}
            onChange={(e) => {
              setTier(e.currentTarget.value);
              setOffset(0);
            }}
          >
            <option value="">all tiers</option>
            {tiers.map((t) => (
              <option key={t.name} value={t.name}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Per page
          <select
            value={limit}
            onChange={(e) => {
              setLimit(Number(e.currentTarget.value));
              setOffset(0);
            }}
          >
            {PAGE_SIZES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
      </form>
      {page.error ? <ErrorNote doing="list the objects" error={page.error} /> : null}
      {!page.data ? (
        page.error ? null : <Loading what="objects" />
      ) : (
        <>
          <div class="table-wrap" aria-busy={page.loading}>
            <table class="objects">
              <thead>
                <tr>
                  {header('object_id', 'Object')}
                  {header('tier', 'Tier')}
                  {header('size_bytes', 'Size', true)}
                  {header('access_count', 'Accesses', true)}
                  {header('last_accessed_at', 'Last access')}
                  {header('predicted_next_24h', 'Predicted next 24 h', true)}
                </tr>
              </thead>
              <tbody>
                {page.data.objects.length === 0 ? (
                  <tr>
                    <td colSpan={6} class="muted">
                      {q || tier ? 'No object matches.' : 'No objects yet: upload one under Actions.'}
                    </td>
                  </tr>
                ) : (
                  page.data.objects.map((o) => {
                    const liveTier = moved.get(o.object_id);
                    return (
                      <tr key={o.object_id} data-object-row={o.object_id} class={liveTier && liveTier !== o.current_tier ? 'moved' : undefined}>
                        <td>
                          <Link href={objectHref(o.object_id)} title={o.object_id}>
                            {shortId(o.object_id)}
                          </Link>
                          {o.name ? <div class="muted small name">{o.name}</div> : null}
                        </td>
                        <td>
                          <TierBadge tier={liveTier ?? o.current_tier} />
                        </td>
                        <td class="num">{formatBytes(o.size_bytes)}</td>
                        <td class="num">{formatCount(o.access_count)}</td>
                        <td title={formatTime(o.last_accessed_at)}>{formatRelative(o.last_accessed_at)}</td>
                        <td class="num">{o.predicted_next_24h === null ? '—' : formatCount(o.predicted_next_24h)}</td>
                      </tr>
                    );
                  })
                )}
              </tbody>
            </table>
          </div>
          <Pager total={page.data.total} limit={limit} offset={offset} onOffset={setOffset} label="objects" />
        </>
      )}
    </div>
  );
}
