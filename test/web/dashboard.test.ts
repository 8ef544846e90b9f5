/**
 * The dashboard in a real browser: Debian's Chromium, headless, driven by playwright-core,
 * against a real `tiercast serve` child process (the built dist/ and dist/web). Upload a
 * file, simulate 100 accesses, watch the migration arrive in the live feed and the object's
 * tier change in an open objects table without a reload, open the object's detail; errors
 * of actions read as sentences. Screenshots of the main views go to
 * test-artifacts/screenshots/ (the README's overview image is copied from there by hand).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { MigrationJson, ObjectJson } from '../../src/api/schemas.js';
import { tempDir } from '../helpers/fixture.js';
import { REPO_ROOT, startServer, type ServerProcess } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';

const CHROMIUM = process.env.TIERCAST_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SCREENSHOTS = join(REPO_ROOT, 'test-artifacts', 'screenshots');
const MISSING = `Chromium is not installed at ${CHROMIUM}: install it with \`apt-get update && apt-get install -y chromium\` (or point TIERCAST_CHROMIUM at a Chromium binary)`;
const UI_TIMEOUT_MS = 15_000;
/** Set on `window` once; still there later only if the page never reloaded. */
const NO_RELOAD_MARK = 'window.__tiercastSamePage = true';
const STILL_SAME_PAGE = 'window.__tiercastSamePage === true';

// Without Chromium the browser test cannot run: skipped on a developer machine, a failure under CI.
const skip = existsSync(CHROMIUM) || process.env.CI === 'true' ? false : MISSING;

/** A small simulation report as `tiercast simulate --report DIR` writes it (the contract the dashboard reads). */
async function writeReport(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const policy = (name: string, cost: number, regret: number, mean: number, p99: number, migrations: number, moved: number) => ({
    name, description: `${name} policy`, total_cost_usd: cost, regret, mean_latency_ms: mean, p99_latency_ms: p99, migrations, bytes_moved: moved,
  });
  const result = {
    trace: 'traces/synthetic-week.csv',
    requests: 17_690,
    objects: 493,
    span_seconds: 7 * 86_400,
    profile: { name: 'seed', tiers: [{ name: 'onprem' }, { name: 'private' }, { name: 'public' }] },
    policies: [
      policy('reactive', 1.798, 677.7, 161.6, 254.5, 0, 0),
      policy('hybrid', 0.07612, 28.7, 11.82, 20.37, 497, 711_000_000),
      policy('optimal', 0.002652, 1, 11.16, 20.37, 397, 505_200_000),
      policy('seed-thresholds', 0.6056, 228.3, 75.37, 232.8, 222, 216_400_000),
    ],
  };
  await writeFile(join(dir, 'result.json'), JSON.stringify(result, null, 2));
  await writeFile(join(dir, 'cost.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="#0e7490"/></svg>');
  await writeFile(join(dir, 'index.html'), '<!doctype html><html><head><title>Simulation report: synthetic week</title></head><body><h1>Simulation report</h1><img id="cost" src="cost.svg" alt="cost per policy"></body></html>');
}

describe('web dashboard in headless Chromium against a real server', { skip }, () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let server: ServerProcess;
  let dataDir: string;
  let context: BrowserContext;
  const pageErrors: string[] = [];
  /** Anything the pages fetch from another host (there must be nothing: no CDN, no network). */
  const foreignRequests: string[] = [];

  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const init: RequestInit = { method };
    if (Buffer.isBuffer(body)) Object.assign(init, { body, headers: { 'content-type': 'application/octet-stream' } });
    else if (body !== undefined) Object.assign(init, { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const response = await fetch(`${server.url}${path}`, init);
    const text = await response.text();
    assert.ok(response.ok, `${method} ${path} answered ${response.status}: ${text}`);
    return JSON.parse(text) as T;
  };

  const newPage = async (width = 1280, height = 900): Promise<Page> => {
    const page = await context.newPage();
    await page.setViewportSize({ width, height });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('request', (request) => {
      if (!request.url().startsWith(`${server.url}/`) && !request.url().startsWith('data:')) foreignRequests.push(request.url());
    });
    return page;
  };

  const screenshot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(MISSING);
    dir = await tempDir('tiercast-web-');
    dataDir = join(dir.path, 'data');
    await writeReport(join(dataDir, 'reports', 'synthetic-week'));
    // The proactive sweep runs only when asked, so nothing but the test moves the objects.
    const configFile = join(dir.path, 'tiercast.config.json');
    // A failed move gives up after two quick attempts.
    await writeFile(
      configFile,
      JSON.stringify({ proactive: { sweepIntervalSeconds: 3600, trainIntervalHours: 0 }, migration: { maxAttempts: 2, retryBaseDelayMs: 50 } }),
    );
    server = await startServer({ dataDir, configFile });
    await mkdir(SCREENSHOTS, { recursive: true });
    context = await chromium.launchPersistentContext(join(dir.path, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1280, height: 900 },
    });

    // Some objects in every tier, so the views have something to show.
    const seeds: Array<[string, number, number]> = [
      ['quarterly-report.pdf', 2_400_000, 120],
      ['product-photo.jpg', 850_000, 30],
      ['access-log-2026-05.csv', 12_000_000, 0],
      ['homepage.html', 24_000, 150],
      ['backup-2026-04.tar', 30_000_000, 0],
    ];
    for (const [name, size, accesses] of seeds) {
      // In `public` by name: the ingest placement would put siblings of hot objects higher.
      const object = await api<ObjectJson>('POST', `/api/objects?name=${name}&tier=public`, Buffer.alloc(size, 1));
      if (accesses > 0) await api('POST', `/api/objects/${object.object_id}/access`, { count: accesses });
    }
    await waitFor(async () => (await api<{ total: number }>('GET', '/api/migrations?status=completed')).total === 3, {
      timeoutMs: UI_TIMEOUT_MS,
      description: 'the three seeded spikes to be migrated',
    });
  });

  after(async () => {
    try {
      await context?.close();
      if (server) {
        const exit = await server.stop();
        assert.equal(exit.code, 0, `the server did not stop cleanly with browsers connected:\n${server.stderr.join('\n')}`);
      }
    } finally {
      await dir?.cleanup();
    }
  });

  test('upload, 100 accesses, the migration in the live feed and the new tier without a reload, then the detail', async () => {
    const page = await newPage();
    await page.goto(server.url);
    await page.getByRole('heading', { name: 'Overview' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await page.getByTestId('live-status').first().getByText('live').waitFor({ timeout: UI_TIMEOUT_MS });
    await page.getByTestId('figure-objects').getByText('5', { exact: true }).waitFor();
    assert.match(await page.getByTestId('figure-cost').innerText(), /\$\d/, 'the monthly cost is shown in dollars');
    await page.locator('.live-feed .feed-item').first().waitFor();
    await screenshot(page, 'overview');

    await page.getByRole('link', { name: 'Actions' }).click();
    await page.getByRole('heading', { name: 'Actions', level: 1 }).waitFor();
    await page.evaluate(NO_RELOAD_MARK);
    const content = Buffer.from('Tiercast dashboard test: this file gets hot.\n');
    await page.locator('input[type=file]').setInputFiles({ name: 'dashboard-demo.txt', mimeType: 'text/plain', buffer: content });
    await page.getByRole('combobox', { name: /^Tier/ }).selectOption('public');
    await page.getByRole('button', { name: 'Upload' }).click();
    const uploaded = page.getByTestId('uploaded-object');
    await uploaded.waitFor({ timeout: UI_TIMEOUT_MS });
    const objectId = (await uploaded.innerText()).trim();
    assert.match(await page.locator('form.action').first().getByRole('status').innerText(), new RegExp(`^Stored dashboard-demo\\.txt \\(${content.length} B\\) in public as object ${objectId}\\.$`));
    assert.equal((await api<ObjectJson>('GET', `/api/objects/${objectId}`)).size_bytes, content.length, 'the upload reached the catalog');

    // A second tab shows the objects table before the spike; it must follow the move live.
    const table = await newPage();
    await table.goto(`${server.url}/objects`);
    await table.getByLabel('Search id or name').fill('dashboard-demo');
    const row = table.locator(`tr[data-object-row="${objectId}"]`);
    await row.locator('[data-tier="public"]').waitFor({ timeout: UI_TIMEOUT_MS });
    await table.getByTestId('live-status').first().getByText('live').waitFor({ timeout: UI_TIMEOUT_MS });
    await table.evaluate(NO_RELOAD_MARK);

    assert.equal(await page.locator('#simulate-object').inputValue(), objectId, 'the simulate form offers the object just uploaded');
    await page.getByLabel('Accesses', { exact: true }).fill('100');
    await page.getByRole('button', { name: 'Record 100 accesses' }).click();
    await page.getByText(`Recorded 100 accesses to ${objectId}`).waitFor({ timeout: UI_TIMEOUT_MS });

    const feedItem = page.locator(`.live-feed .feed-item[data-object="${objectId}"]`);
    await feedItem.locator('[data-status="completed"]').waitFor({ timeout: UI_TIMEOUT_MS });
    const feedText = await feedItem.innerText();
    assert.match(feedText, /reactive access spike/);
    assert.match(feedText, /planned › copying › verifying › switched › completed/, 'every state change arrived, in order');
    const migrations = await api<{ migrations: MigrationJson[] }>('GET', `/api/migrations?object_id=${objectId}`);
    assert.equal(migrations.migrations[0]?.status, 'completed');
    assert.equal(await feedItem.getAttribute('data-migration'), migrations.migrations[0]?.id, 'the feed shows the catalog\'s migration');

    await row.locator('[data-tier="onprem"]').waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await table.evaluate(STILL_SAME_PAGE), true, 'the objects table changed the tier without reloading');
    await table.getByLabel('Search id or name').fill('');
    await table.locator('tr[data-object-row]').nth(5).waitFor();
    await screenshot(table, 'objects');

    await feedItem.getByRole('link').click();
    await page.getByRole('heading', { name: /dashboard-demo\.txt/ }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await page.evaluate(STILL_SAME_PAGE), true, 'links navigate inside the page');
    assert.equal(page.url(), `${server.url}/objects/${objectId}`);
    await page.getByTestId('object-tier').locator('[data-tier="onprem"]').waitFor();
    assert.match(await page.getByTestId('object-accesses').innerText(), /^100\b/);
    await page.getByText(/100 accesses since .*reached the break-even/).waitFor();
    await page.getByTestId('forecast-text').waitFor({ timeout: UI_TIMEOUT_MS });
    await page.getByTestId('break-even').getByText(/Next access/).waitFor({ timeout: UI_TIMEOUT_MS });
    await page.locator('.chart canvas').first().waitFor();
    const download = page.getByRole('link', { name: /^Download/ });
    assert.equal(await download.getAttribute('href'), `/api/objects/${objectId}/content`);
    await screenshot(page, 'object-detail');

    await page.getByRole('link', { name: 'Migrations', exact: true }).click();
    await page.getByLabel('Reason').selectOption('reactive_access_spike');
    await page.locator(`tr[data-migration-row="${migrations.migrations[0]!.id}"]`).waitFor({ timeout: UI_TIMEOUT_MS });
    await waitFor(async () => (await page.locator('tr[data-migration-row]').count()) === 4, {
      timeoutMs: UI_TIMEOUT_MS,
      description: 'the three seeded spikes and this one',
    });
    await page.getByLabel('Status').selectOption('failed');
    await page.getByText('No migration matches.').waitFor();
    await page.getByLabel('Status').selectOption('');
    await page.locator('tr[data-migration-row]').nth(3).waitFor();
    await screenshot(page, 'migrations');

    await page.getByRole('link', { name: 'Simulations' }).click();
    const report = page.locator('[data-report="synthetic-week"]');
    await report.waitFor({ timeout: UI_TIMEOUT_MS });
    const rows = await report.locator('tbody th').allInnerTexts();
    assert.deepEqual(rows.map((r) => r.split('\n')[0]), ['optimal', 'hybrid', 'seed-thresholds', 'reactive'], 'policies cheapest first');
    assert.match(await report.innerText(), /17,690 requests · 493 objects · 7 d of trace time/);
    assert.equal(await report.getByRole('link', { name: 'Open the full report' }).getAttribute('href'), '/reports/synthetic-week/');
    await screenshot(page, 'simulations');
    const reportPage = await newPage();
    const image = reportPage.waitForResponse((r) => r.url().endsWith('/reports/synthetic-week/cost.svg'));
    await reportPage.goto(`${server.url}/reports/synthetic-week/`);
    assert.equal(await reportPage.title(), 'Simulation report: synthetic week');
    assert.equal((await image).status(), 200, 'the report\'s images are served beside it');

    assert.equal(await page.evaluate(STILL_SAME_PAGE), true, 'the whole walk stayed on one page load');
    assert.deepEqual(pageErrors, [], 'no script error in the page');
    assert.deepEqual(foreignRequests, [], 'nothing was fetched from another host');
  });

  test('narrow screens and the keyboard', async () => {
    const page = await newPage(390, 844);
    await page.goto(server.url);
    await page.getByTestId('figure-objects').waitFor({ timeout: UI_TIMEOUT_MS });
    await page.locator('.live-feed .feed-item').first().waitFor();
    assert.equal(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), true, 'nothing is wider than a 390 px screen');
    await screenshot(page, 'overview-narrow');

    // Skip link first, then the brand, then the views.
    const focused: string[] = [];
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Tab');
      focused.push(String(await page.evaluate('document.activeElement && document.activeElement.textContent.trim()')));
    }
    assert.deepEqual(focused, ['Skip to content', 'Tiercast', 'Overview', 'Objects']);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Objects' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/objects');
    assert.deepEqual(pageErrors, []);
  });

  test('an action that fails says why in words', async () => {
    const page = await newPage();
    await page.goto(`${server.url}/actions`);
    await page.locator('#simulate-object').fill('no-such-object');
    await page.getByRole('button', { name: /^Record/ }).click();
    const simulateError = page.locator('form.action', { has: page.locator('#simulate-object') }).getByRole('alert');
    await simulateError.waitFor({ timeout: UI_TIMEOUT_MS });
    // The message, then the server's hint, as sentences.
    assert.match(await simulateError.innerText(), /^Could not simulate accesses: object 'no-such-object' does not exist\. List objects with .+\.$/);

    const object = (await api<{ objects: ObjectJson[] }>('GET', '/api/objects?q=backup')).objects[0]!;
    await page.locator('#migrate-object').fill(object.object_id);
    await page.getByLabel('To tier').selectOption(object.current_tier);
    await page.getByRole('button', { name: 'Migrate' }).click();
    const migrateError = page.locator('form.action', { has: page.locator('#migrate-object') }).getByRole('alert');
    await migrateError.waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await migrateError.innerText(), `Could not migrate the object: object '${object.object_id}' is already in tier '${object.current_tier}'.`);

    // A move into a tier whose folder became a file fails; the feed and the history say why.
    await rename(join(dataDir, 'tiers', 'private'), join(dataDir, 'tiers', 'private-away'));
    await writeFile(join(dataDir, 'tiers', 'private'), 'not a folder');
    await page.getByLabel('To tier').selectOption('private');
    await page.getByRole('button', { name: 'Migrate' }).click();
    await page.getByText('Its steps appear in the live feed').waitFor({ timeout: UI_TIMEOUT_MS });
    const failed = page.locator(`.live-feed .feed-item[data-object="${object.object_id}"]`);
    await failed.locator('[data-status="failed"]').waitFor({ timeout: UI_TIMEOUT_MS });
    assert.match(await failed.innerText(), /Error: tier 'private' is unavailable: .+\(gave up after 2 attempts\)/);

    await page.getByRole('link', { name: 'Migrations', exact: true }).click();
    await page.getByLabel('Status').selectOption('failed');
    const row = page.locator('tr[data-migration-row].failed');
    await waitFor(async () => (await page.locator('tr[data-migration-row]').count()) === 1 && (await row.count()) === 1, {
      timeoutMs: UI_TIMEOUT_MS,
      description: 'the failed migration alone in the filtered table',
    });
    assert.match(await row.innerText(), /Error: tier 'private' is unavailable/);
    assert.match(await row.innerText(), /Moved by hand/);
    await screenshot(page, 'migrations-failed');
    assert.deepEqual(pageErrors, []);
  });

  test('training and the proactive sweep report what they did', async () => {
    const page = await newPage();
    await page.goto(`${server.url}/actions`);
    await page.getByRole('button', { name: 'Train now' }).click();
    const trained = page.locator('form.action', { hasText: 'Train the model' }).getByRole('status');
    await trained.waitFor({ timeout: 60_000 });
    const { served } = await api<{ served: { family: string } }>('GET', '/api/ml/models');
    assert.match(await trained.innerText(), new RegExp(`Serving ${served.family}\\b`), 'the result names the model the server now serves');

    await page.getByRole('button', { name: 'Run now' }).click();
    const swept = page.locator('form.action', { hasText: 'Run the proactive sweep' }).getByRole('status');
    await swept.waitFor({ timeout: 60_000 });
    const objects = (await api<{ total: number }>('GET', '/api/objects?limit=1')).total;
    assert.match(await swept.innerText(), new RegExp(`^Forecast \\d+ of ${objects} objects with `));
    await screenshot(page, 'actions');
    assert.deepEqual(pageErrors, []);
  });
});
