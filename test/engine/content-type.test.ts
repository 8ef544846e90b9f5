import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { afterEach, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/fixture.js';

let current: TestApp | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

describe('content type', () => {
  it('comes from the file name when the client sends none (or only a generic octet-stream), and the client wins when it sends one', async () => {
    current = await startTestApp({ patch: { proactive: { enabled: false } } });
    const { objects } = current.app;
    const ingest = (name: string, contentType?: string) => objects.ingest({ body: Readable.from([Buffer.from('x')]), name, contentType });
    assert.equal((await ingest('report.pdf')).contentType, 'application/pdf');
    assert.equal((await ingest('photo.JPG', 'application/octet-stream')).contentType, 'image/jpeg');
    assert.equal((await ingest('notes.txt', 'text/markdown')).contentType, 'text/markdown');
    assert.equal((await ingest('blob.unknownext')).contentType, 'application/octet-stream');
  });
});
