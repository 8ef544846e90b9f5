import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/** The dashboard's views. The server answers each path with the same page (src/api/routes/dashboard.ts). */
export type Route =
  | { view: 'overview' }
  | { view: 'objects' }
  | { view: 'object'; id: string }
  | { view: 'migrations' }
  | { view: 'actions' }
  | { view: 'simulations' }
  | { view: 'not-found'; path: string };

export function routeOf(path: string): Route {
  const parts = path.replace(/\/+$/, '').split('/').filter(Boolean);
  if (parts.length === 0) return { view: 'overview' };
  const [first, second] = parts;
  if (first === 'objects' && parts.length === 1) return { view: 'objects' };
  if (first === 'objects' && parts.length === 2 && second) return { view: 'object', id: decodeURIComponent(second) };
  if (parts.length === 1 && (first === 'migrations' || first === 'actions' || first === 'simulations')) return { view: first };
  return { view: 'not-found', path };
}

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => listeners.forEach((l) => l()));

/** Changes the view without reloading the page. */
export function navigate(href: string): void {
  if (href === location.pathname + location.search) return;
  history.pushState(null, '', href);
  listeners.forEach((l) => l());
  window.scrollTo(0, 0);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => routeOf(location.pathname));
  useEffect(() => {
    const update = () => setRoute(routeOf(location.pathname));
    listeners.add(update);
    return () => void listeners.delete(update);
  }, []);
  return route;
}

export const objectHref = (id: string) => `/objects/${encodeURIComponent(id)}`;

/** An ordinary link (keyboard, middle-click and "open in new tab" keep working) that navigates in place. */
export interface LinkProps {
  href: string;
  children: ComponentChildren;
  class?: string;
  title?: string;
  'aria-current'?: 'page';
  'data-testid'?: string;
}

export function Link(props: LinkProps) {
  const { href, children, ...rest } = props;
  const onClick = (event: MouseEvent) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}
