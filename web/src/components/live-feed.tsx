import { useEffect } from 'preact/hooks';
import { listMigrations } from '../api/migrations.js';
import { formatBytes, formatClock, shortId, words } from '../format.js';
import { live } from '../live/live-events.js';
import { useLive } from '../live/use-live.js';
import { Link, objectHref } from '../router.js';
import { Move, StatusBadge } from './badges.js';

/** The live feed of migration state changes (server-sent events), newest first. */
export function LiveFeed() {
  const feed = useLive();
  useEffect(() => {
    listMigrations({ limit: 12, offset: 0 }).then((page) => live.seed(page.migrations), () => undefined);
  }, []);

  return (
    <section class="panel live-feed" aria-labelledby="live-feed-title">
      <h2 id="live-feed-title">
        Live migrations <LiveStatusDot />
      </h2>
      {feed.feed.length === 0 ? (
        <p class="muted">No migrations yet. They appear here the moment they start.</p>
      ) : (
        <ol class="feed" aria-live="polite" aria-relevant="additions text">
          {feed.feed.map((item) => (
            <li key={item.migrationId} class={`feed-item${item.live ? ' is-live' : ''}`} data-migration={item.migrationId} data-object={item.objectId}>
              <div class="feed-line">
                <time>{formatClock(item.at)}</time>
                <StatusBadge status={item.status} />
                <Link href={objectHref(item.objectId)} title={item.objectId}>
                  {shortId(item.objectId)}
                </Link>
              </div>
              <div class="feed-line">
                <Move from={item.from} to={item.to} />
                <span class="muted">
                  {words(item.reason)} · {formatBytes(item.sizeBytes)}
                </span>
              </div>
              {item.trail.length > 1 ? <div class="trail muted">{item.trail.map(words).join(' › ')}</div> : null}
              {item.error ? <div class="error-text">Error: {item.error}</div> : null}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

export function LiveStatusDot() {
  const { status } = useLive();
  const text = status === 'live' ? 'live' : status === 'connecting' ? 'connecting…' : 'reconnecting…';
  return (
    <span class={`live-status live-${status}`} data-testid="live-status">
      <span class="dot" aria-hidden="true" />
      {text}
    </span>
  );
}
