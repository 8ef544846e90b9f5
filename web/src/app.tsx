import { LiveFeed, LiveStatusDot } from './components/live-feed.js';
import { Link, useRoute, type Route } from './router.js';
import { Actions } from './views/actions.js';
import { Migrations } from './views/migrations.js';
import { ObjectDetail } from './views/object-detail.js';
import { Objects } from './views/objects.js';
import { Overview } from './views/overview.js';
import { Simulations } from './views/simulations.js';

const NAV: Array<{ href: string; label: string; views: Route['view'][] }> = [
  { href: '/', label: 'Overview', views: ['overview'] },
  { href: '/objects', label: 'Objects', views: ['objects', 'object'] },
  { href: '/migrations', label: 'Migrations', views: ['migrations'] },
  { href: '/actions', label: 'Actions', views: ['actions'] },
  { href: '/simulations', label: 'Simulations', views: ['simulations'] },
];

function View({ route }: { route: Route }) {
  switch (route.view) {
    case 'overview':
      return <Overview />;
    case 'objects':
      return <Objects />;
    case 'object':
      return <ObjectDetail key={route.id} id={route.id} />;
    case 'migrations':
      return <Migrations />;
    case 'actions':
      return <Actions />;
    case 'simulations':
      return <Simulations />;
    default:
      return (
        <div class="stack">
          <h1>Not found</h1>
          <p>
            The dashboard has no page at <code>{route.path}</code>. <Link href="/">Go to the overview</Link>.
          </p>
        </div>
      );
  }
}

/** The page: navigation, the current view, and the live feed beside it (below it on narrow screens). */
export function App() {
  const route = useRoute();
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <Link href="/" class="brand">
          <span class="brand-mark" aria-hidden="true">
            <i />
            <i />
            <i />
          </span>
          Tiercast
        </Link>
        <nav aria-label="Dashboard">
          <ul>
            {NAV.map((item) => (
              <li key={item.href}>
                <Link href={item.href} aria-current={item.views.includes(route.view) ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div class="top-right">
          <LiveStatusDot />
          <a href="/docs" class="muted small">
            API docs
          </a>
        </div>
      </header>
      <div class="layout">
        <main id="main" tabIndex={-1}>
          <View route={route} />
        </main>
        <aside aria-label="Live feed">
          <LiveFeed />
        </aside>
      </div>
    </>
  );
}
