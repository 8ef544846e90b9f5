import { useEffect, useRef, useState } from 'preact/hooks';
import type { MigrationEvent, ObjectTierEvent } from '../api/types.js';
import { live } from './live-events.js';

/** Re-renders on every change of the live connection or feed. */
export function useLive() {
  const [, setVersion] = useState(0);
  useEffect(() => live.onChange(() => setVersion((v) => v + 1)), []);
  return live;
}

/**
 * Calls `onEvent` for every migration state change (optionally only those `filter` keeps),
 * at most once per `debounceMs`: views reload their figures from it instead of polling.
 */
export function useMigrationEvents(onEvent: (event: MigrationEvent) => void, options: { debounceMs?: number; filter?: (event: MigrationEvent) => boolean } = {}) {
  const latest = useRef({ onEvent, filter: options.filter });
  latest.current = { onEvent, filter: options.filter };
  const debounceMs = options.debounceMs ?? 300;
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let pending: MigrationEvent | undefined;
    const stop = live.onMigrationEvent((event) => {
      if (latest.current.filter && !latest.current.filter(event)) return;
      pending = event;
      timer ??= setTimeout(() => {
        timer = undefined;
        if (pending) latest.current.onEvent(pending);
      }, debounceMs);
    });
    return () => {
      stop();
      if (timer) clearTimeout(timer);
    };
  }, [debounceMs]);
}

/** Calls `onChange` whenever an object's content moves to another tier. */
export function useTierChanges(onChange: (event: ObjectTierEvent) => void) {
  const latest = useRef(onChange);
  latest.current = onChange;
  useEffect(() => live.onTierChange((event) => latest.current(event)), []);
}
