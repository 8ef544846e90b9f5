import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Api } from '../types.js';

/**
 * The built dashboard (`vite build` writes it to dist/web). This file sits three levels
 * below the repository both as source (src/api/routes) and compiled (dist/api/routes).
 */
export const WEB_DIR = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'), 'dist', 'web');

/** The dashboard's own paths: each answers with the page, and the page's router shows the view. */
const VIEW_PATHS = ['/', '/objects', '/objects/:id', '/migrations', '/actions', '/simulations'];

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tiercast</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>Tiercast</h1><p>The dashboard has not been built, so there is nothing to show here yet.
Run <code>npm run build</code> (it also runs at <code>npm ci</code>) and reload this page.</p>
<p>The API is running: see <a href="/docs">/docs</a>.</p></body></html>`;

/** Serves the dashboard at `/`: its hashed assets (cached for good) and its page at every view path. */
export async function dashboardRoutes(api: Api, webDir = WEB_DIR): Promise<void> {
  const assets = join(webDir, 'assets');
  if (existsSync(assets)) {
    // Vite puts a content hash in every asset name, so an asset never changes under its URL.
    await api.register(fastifyStatic, { root: assets, prefix: '/assets/', immutable: true, maxAge: '365d', index: false, decorateReply: false });
  }

  for (const path of VIEW_PATHS) {
    api.get(path, { schema: { hide: true } }, async (_request, reply) => {
      const page = await readFile(join(webDir, 'index.html'), 'utf8').catch(() => undefined);
      reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache');
      return page === undefined ? reply.status(503).send(NOT_BUILT) : reply.send(page);
    });
  }
}
