import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface AsyncState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Loads again, keeping the current data on screen until the new data arrives. */
  reload: () => void;
}

/** Runs `load` when `deps` change; answers that arrive after a newer request started are dropped. */
export function useAsync<T>(load: () => Promise<T>, deps: readonly unknown[]): AsyncState<T> {
  const [state, setState] = useState<Omit<AsyncState<T>, 'reload'>>({ data: undefined, error: undefined, loading: true });
  const sequence = useRef(0);
  const latestLoad = useRef(load);
  latestLoad.current = load;

  const run = useCallback(() => {
    const mine = ++sequence.current;
    setState((s) => ({ ...s, loading: true }));
    latestLoad.current().then(
      (data) => mine === sequence.current && setState({ data, error: undefined, loading: false }),
      (error: unknown) => mine === sequence.current && setState((s) => ({ data: s.data, error, loading: false })),
    );
  }, []);

  useEffect(run, deps);
  return { ...state, reload: run };
}
