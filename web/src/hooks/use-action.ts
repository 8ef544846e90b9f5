import { useState } from 'preact/hooks';

export interface ActionState<T> {
  busy: boolean;
  result: T | undefined;
  error: unknown;
  run: (action: () => Promise<T>) => Promise<void>;
}

/** One button's work: busy while it runs, then its result or its error (never both). */
export function useAction<T>(): ActionState<T> {
  const [state, setState] = useState<{ busy: boolean; result: T | undefined; error: unknown }>({ busy: false, result: undefined, error: undefined });
  const run = async (action: () => Promise<T>) => {
    setState({ busy: true, result: undefined, error: undefined });
    try {
      const result = await action();
      setState({ busy: false, result, error: undefined });
    } catch (error) {
      setState({ busy: false, result: undefined, error });
    }
  };
  return { ...state, run };
}
