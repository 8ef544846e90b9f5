/**
 * Bad input against a real HTTP server (in-process app, real sockets): every mistake gets a
 * 4xx JSON error naming what is wrong, nothing escapes the data dir, and the service keeps
 * serving afterwards. Also the discovery endpoints: /openapi.json, /docs and /metrics.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildServer } from '../../src/api/server.js';
import type { Api } from '../../src/api/types.js';
import { settle, startTestApp, type TestApp } from '../helpers/fixture.js';
import { filesBelow } from '../helpers/files.js';

const MAX_OBJECT_BYTES = 1024;

interface ErrorJson {
  error: string;
  message: string;
  hint?: string;
}


describe('API error handling on a real HTTP server', () => {
  let testApp: TestApp;
  let api: Api;
  let base: string;
  /** The temp folder holding the data dir (and the config file beside it). */
  let root: string;

  /** One request with the path sent exactly as given (fetch would normalise dot segments). */
  const raw = (method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; headers: Record<string, unknown>; text: string }>((resolve, reject) => {
      const url = new URL(base);
      const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers: { ...headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
      });
      req.on('error', reject);
      req.end(body);
    });

  const json = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${base}${path}`, {
      method,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    });
    const text = await response.text();
    assert.match(response.headers.get('content-type') ?? '', /application\/json/, `${method} ${path} answered JSON: ${text}`);
    return { status: response.status, body: JSON.parse(text) as ErrorJson & Record<string, unknown> };
  };

  const upload = async (content: Buffer | string, query = '') => {
    const response = await fetch(`${base}/api/objects${query}`, { method: 'POST', body: content, headers: { 'content-type': 'application/octet-stream' } });
    return { status: response.status, body: (await response.json()) as ErrorJson & Record<string, unknown> };
  };

  const accessCount = async (id: string) => ((await json('GET', `/api/objects/${id}`)).body.access_count as number);

  before(async () => {
    testApp = await startTestApp({ patch: { server: { maxObjectBytes: MAX_OBJECT_BYTES } } });
    root = dirname(testApp.dataDir);
    api = await buildServer(testApp.app);
    await api.listen({ port: 0, host: '127.0.0.1' });
    const address = api.server.address();
    assert.ok(address && typeof address === 'object');
    base = `http://127.0.0.1:${address.port}`;
  });

  after(async () => {
    // A keep-alive connection whose last response was still finishing when close() began
    // would hold close() for the keep-alive timeout (72 s); these tests need no graceful drain.
    const closing = api?.close();
    api?.server.closeAllConnections();
    await closing;
    await testApp?.close();
  });

  test('an unknown object id is a 404 naming the id', async () => {
    const id = 'no-such-object-42';
    for (const [method, path, body] of [
      ['GET', `/api/objects/${id}`],
      ['GET', `/api/objects/${id}/content`],
      ['DELETE', `/api/objects/${id}`],
      ['POST', `/api/objects/${id}/access`, { count: 1 }],
      ['POST', `/api/objects/${id}/migrate`, { tier: 'onprem' }],
    ] as const) {
      const { status, body: reply } = await json(method, path, body);
      assert.equal(status, 404, `${method} ${path}`);
      assert.equal(reply.error, 'not_found');
      assert.match(reply.message, new RegExp(`'${id}'`), `${method} ${path} names the id`);
    }
    const migration = await json('GET', '/api/migrations/no-such-migration');
    assert.equal(migration.status, 404);
    assert.equal(migration.body.error, 'not_found');
    assert.match(migration.body.message, /no-such-migration/);
  });

  test('an unknown tier is a 400 naming the tier', async () => {
    const created = await upload('tier test', '?object_id=tier-test');
    assert.equal(created.status, 201);
    const { status, body } = await json('POST', '/api/objects/tier-test/migrate', { tier: 'glacier' });
    assert.equal(status, 400);
    assert.equal(body.error, 'invalid_input');
    assert.match(body.message, /glacier/);
    for (const path of ['/api/objects?tier=glacier', '/api/migrations?tier=glacier']) {
      const listed = await json('GET', path);
      assert.equal(listed.status, 400, path);
      assert.match(listed.body.message, /glacier/, path);
    }
    const upload400 = await upload('x', '?tier=glacier');
    assert.equal(upload400.status, 400);
    assert.match(upload400.body.message, /glacier/);
    const { migrations } = (await json('GET', '/api/migrations?object_id=tier-test')).body as unknown as { migrations: unknown[] };
    assert.deepEqual(migrations, [], 'no migration was planned');
  });

  test('a bad access count is a 400 and counts nothing', async () => {
    assert.equal((await upload('count test', '?object_id=count-test')).status, 201);
    for (const count of [0, -1, 'abc', 2e9, 1.5, null]) {
      const { status, body } = await json('POST', '/api/objects/count-test/access', { count });
      assert.equal(status, 400, `count ${JSON.stringify(count)}`);
      assert.equal(body.error, 'invalid_input');
      assert.match(body.message, /count/, `count ${JSON.stringify(count)}: ${body.message}`);
    }
    const extra = await json('POST', '/api/objects/count-test/access', { count: 1, bogus: true });
    assert.equal(extra.status, 400, 'unknown fields are refused');
    await testApp.app.aggregator.flush();
    assert.equal(await accessCount('count-test'), 0);
    // The control: a good count is counted.
    assert.equal((await json('POST', '/api/objects/count-test/access', { count: 3 })).status, 202);
    await testApp.app.aggregator.flush();
    assert.equal(await accessCount('count-test'), 3);
  });

  test('object ids cannot escape the tier folder', async () => {
    // Bait: files a traversal would reach if ids became paths unchecked.
    const secret = 'SECRET-NOT-FOR-CLIENTS';
    await mkdir(join(testApp.dataDir, 'etc'), { recursive: true });
    await writeFile(join(testApp.dataDir, 'etc', 'passwd'), secret);
    await writeFile(join(testApp.dataDir, 'tiers', 'b'), secret);
    await writeFile(join(root, 'etc'), secret);
    const ignoreCatalog = (files: string[]) => files.filter((f) => !/catalog\.sqlite/.test(f));
    // Earlier tests' accesses may still be moving an object: only this test's attempts may change files.
    await settle(testApp.app);
    const before = ignoreCatalog(await filesBelow(root));

    for (const id of ['..%2F..%2Fetc', 'a%2F..%2Fb', '%2E%2E', '..%2F..%2Fetc%2Fpasswd', '%2E%2E%2F%2E%2E%2F%2E%2E%2Fetc', '..', 'a..b']) {
      const attempts: Array<[string, string, Buffer | string | undefined, Record<string, string>]> = [
        ['GET', `/api/objects/${id}`, undefined, {}],
        ['GET', `/api/objects/${id}/content`, undefined, {}],
        ['DELETE', `/api/objects/${id}`, undefined, {}],
        ['PUT', `/api/objects/${id}`, 'overwrite attempt', { 'content-type': 'application/octet-stream' }],
        ['POST', `/api/objects?object_id=${id}`, 'upload attempt', { 'content-type': 'application/octet-stream' }],
        ['POST', `/api/objects/${id}/access`, '{"count":1}', { 'content-type': 'application/json' }],
        ['POST', `/api/objects/${id}/migrate`, '{"tier":"onprem"}', { 'content-type': 'application/json' }],
      ];
      for (const [method, path, body, headers] of attempts) {
        const reply = await raw(method, path, body, headers);
        assert.ok(reply.status === 400 || reply.status === 404, `${method} ${path} → ${reply.status} ${reply.text}`);
        assert.ok(!reply.text.includes(secret), `${method} ${path} leaked a file outside the tier`);
        assert.equal((JSON.parse(reply.text) as ErrorJson).error, reply.status === 400 ? 'invalid_input' : 'not_found');
      }
    }

    assert.deepEqual(ignoreCatalog(await filesBelow(root)), before, 'no file was created or removed anywhere');
    assert.equal(await readFile(join(testApp.dataDir, 'etc', 'passwd'), 'utf8'), secret);
    assert.equal(await readFile(join(root, 'etc'), 'utf8'), secret);
  });

  test('malformed JSON is a 400 that says so', async () => {
    for (const path of ['/api/objects/count-test/access', '/api/objects/count-test/migrate', '/api/accesses']) {
      const { status, body } = await json('POST', path, '{"count":');
      assert.equal(status, 400, path);
      assert.equal(body.error, 'invalid_input');
      assert.match(body.message, /JSON/, path);
    }
  });

  test('a raw upload above server.maxObjectBytes is a 413 and leaves no file behind', async () => {
    const publicFolder = join(testApp.dataDir, 'tiers', 'public');
    const filesBefore = await filesBelow(publicFolder);

    const tooBig = await upload(randomBytes(MAX_OBJECT_BYTES + 1), '?object_id=too-big-raw');
    assert.equal(tooBig.status, 413);
    assert.equal(tooBig.body.error, 'payload_too_large');
    // Checked at once: the failed write must have cleaned up before answering.
    assert.deepEqual(await filesBelow(publicFolder), filesBefore, 'no stored or temp file remains');
    assert.equal((await json('GET', '/api/objects/too-big-raw')).status, 404, 'the object is not in the catalog');

    // The control: exactly the limit is accepted.
    const atLimit = await upload(randomBytes(MAX_OBJECT_BYTES), '?object_id=at-limit');
    assert.equal(atLimit.status, 201);
    assert.equal(atLimit.body.size_bytes, MAX_OBJECT_BYTES);
  });

  test(
    'a rejected upload leaves no empty folder behind either',
    async () => {
      assert.equal((await upload(randomBytes(MAX_OBJECT_BYTES * 2), '?object_id=too-big-folder')).status, 413);
      const entries = await readdir(join(testApp.dataDir, 'tiers', 'public'));
      assert.ok(!entries.includes('too-big-folder'), `leftover folder tiers/public/too-big-folder`);
    },
  );

  test(
    'a multipart upload above server.maxObjectBytes is a 413 and stores nothing',
    async () => {
      const form = new FormData();
      form.append('file', new Blob([randomBytes(MAX_OBJECT_BYTES * 4)]), 'big.bin');
      const response = await fetch(`${base}/api/objects?object_id=too-big-form`, { method: 'POST', body: form });
      const text = await response.text();
      assert.equal(response.status, 413, text);
      assert.equal((JSON.parse(text) as ErrorJson).error, 'payload_too_large');
      const stored = (await filesBelow(join(testApp.dataDir, 'tiers'))).filter((f) => f.includes('too-big-form'));
      assert.deepEqual(stored, [], 'no stored or temp file remains');
      assert.equal((await json('GET', '/api/objects/too-big-form')).status, 404, 'the object is not in the catalog');
    },
  );

  test('an unknown endpoint is a JSON 404', async () => {
    for (const [method, path] of [['GET', '/api/nope'], ['POST', '/api/objects/x/y/z'], ['GET', '/nothing-here']]) {
      const { status, body } = await json(method!, path!);
      assert.equal(status, 404, `${method} ${path}`);
      assert.equal(body.error, 'not_found');
      assert.match(body.message, new RegExp(path!.replaceAll('/', '\\/')));
    }
  });

  test('an access log with a bad line is a 400 naming the line, and imports nothing', async () => {
    assert.equal((await upload('import test', '?object_id=import-test')).status, 201);
    const dayAgo = new Date(Date.now() - 86_400_000).toISOString();
    const csv = ['timestamp,object_id,count', `${dayAgo},import-test,5`, `${dayAgo},import-test,2`, 'yesterday,import-test,1', `${dayAgo},import-test`].join('\n');
    const response = await fetch(`${base}/api/accesses`, { method: 'POST', body: csv, headers: { 'content-type': 'text/csv' } });
    assert.equal(response.status, 400);
    const body = (await response.json()) as ErrorJson;
    assert.equal(body.error, 'invalid_input');
    assert.match(body.message, /line 4/);

    const jsonImport = await json('POST', '/api/accesses', { accesses: [{ timestamp: dayAgo, object_id: 'import-test', count: 5 }, { timestamp: dayAgo, object_id: 'import-test', count: 0 }] });
    assert.equal(jsonImport.status, 400);
    assert.match(jsonImport.body.message, /count/);

    const future = await fetch(`${base}/api/accesses`, { method: 'POST', body: `${dayAgo},import-test,1\n2999-01-01T00:00:00Z,import-test,1\n`, headers: { 'content-type': 'text/csv' } });
    assert.equal(future.status, 400);
    assert.match(((await future.json()) as ErrorJson).message, /line 2/);

    assert.equal(await accessCount('import-test'), 0, 'nothing was imported');
    // The control: the same log without the bad line imports.
    const good = await fetch(`${base}/api/accesses`, { method: 'POST', body: csv.replace(/yesterday.*\n/, ''), headers: { 'content-type': 'text/csv' } });
    assert.equal(good.status, 200);
    assert.equal(((await good.json()) as { accesses: number }).accesses, 8);
    assert.equal(await accessCount('import-test'), 8);
  });

  test('/openapi.json is an OpenAPI 3 document of the API', async () => {
    const response = await fetch(`${base}/openapi.json`);
    assert.equal(response.status, 200);
    const doc = (await response.json()) as {
      openapi: string;
      info: { title: string; version: string };
      paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
    };
    assert.match(doc.openapi, /^3\.\d+\.\d+$/);
    assert.equal(typeof doc.info.title, 'string');
    assert.equal(typeof doc.info.version, 'string');
    for (const path of ['/api/objects', '/api/metrics', '/api/migrations', '/api/objects/{id}', '/api/accesses']) {
      assert.ok(path in doc.paths, `documents ${path}`);
    }
    const methods = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']);
    for (const [path, item] of Object.entries(doc.paths)) {
      assert.ok(path.startsWith('/'), `path ${path} starts with /`);
      for (const [method, operation] of Object.entries(item)) {
        if (!methods.has(method)) continue;
        assert.ok(operation.responses && Object.keys(operation.responses).length > 0, `${method.toUpperCase()} ${path} documents its responses`);
      }
    }
    // Every $ref points at something the document defines.
    const refs: string[] = [];
    const collect = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(collect);
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) key === '$ref' && typeof value === 'string' ? refs.push(value) : collect(value);
      }
    };
    collect(doc);
    assert.ok(refs.length > 0);
    for (const ref of new Set(refs)) {
      assert.match(ref, /^#\//, `local reference ${ref}`);
      const target = ref.slice(2).split('/').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part.replaceAll('~1', '/').replaceAll('~0', '~')], doc);
      assert.ok(target !== undefined, `${ref} resolves`);
    }
  });

  test('/docs serves the HTML API reference', async () => {
    const response = await fetch(`${base}/docs`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await response.text(), /<html/i);
  });

  test('/metrics exposes the Prometheus series', async () => {
    // A migration, so that the migrations gauge has a sample.
    assert.equal((await json('POST', '/api/objects/tier-test/migrate', { tier: 'onprem' })).status, 202);
    const response = await fetch(`${base}/metrics`);
    assert.equal(response.status, 200);
    const text = await response.text();
    for (const series of ['tiercast_objects', 'tiercast_bytes', 'tiercast_migrations', 'tiercast_http_request_duration_seconds']) {
      assert.match(text, new RegExp(`^${series}(_bucket|_count|_sum)?\\{`, 'm'), `has ${series} samples`);
    }
    assert.match(text, /^tiercast_objects\{tier="public"\} [1-9]\d*$/m, 'counts the objects stored above');
    assert.match(text, /^tiercast_migrations\{status="\w+",reason="manual"\} 1$/m, 'counts the manual migration');
  });

  test('after all of that the service is healthy and still stores objects', async () => {
    const health = await fetch(`${base}/api/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, 'ok');
    const content = randomBytes(512);
    const created = await upload(content, '?object_id=still-works');
    assert.equal(created.status, 201);
    const download = await fetch(`${base}/api/objects/still-works/content`);
    assert.equal(download.status, 200);
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), content);
  });
});
