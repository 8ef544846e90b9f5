import { useEffect, useRef } from 'preact/hooks';

/**
 * Calls `refresh` every `ms` while the page is visible. For figures no event announces
 * (accesses arrive without one); everything else updates from the live feed.
 */
export function useVisibleInterval(refresh: () => void, ms: number) {
  const latest = useRef(refresh);
  latest.current = refresh;
  useEffect(() => {
    const timer = setInterval(() => document.visibilityState === 'visible' && latest.current(), ms);
    return () => clearInterval(timer);
  }, [ms]);
}
