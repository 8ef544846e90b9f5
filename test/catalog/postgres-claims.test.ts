import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import type { Catalog, NewMigration } from '../../src/catalog/catalog.js';
import { openPostgresCatalog } from '../../src/catalog/postgres-catalog.js';
import type { ObjectRecord } from '../../src/domain/object.js';
import { migration as migrationFixture, object as objectFixture, T0 } from '../conformance/catalog.suite.js';
import { skipUnless } from '../helpers/services.js';
import { waitFor } from '../helpers/wait.js';
import { postgresSchemas } from './postgres-test-schemas.js';

/**
 * Work claiming between processes on one PostgreSQL catalog. Each "process" is a catalog
 * with its own pool (its own server sessions); one test uses a real child process that is
 * killed. Races are made real with a barrier: a separate session holds the rows locked
 * until every contender's statement is waiting on them, then lets them all go at once.
 */
const pgSchemas = postgresSchemas();
after(() => pgSchemas.end());

const LEASE_MS = 30_000;
const PROCESSES = 3;
const POOL_SIZE = 4;
const CONTENDERS = PROCESSES * POOL_SIZE;

const object = (id: string): ObjectRecord => objectFixture(id, { name: null, storageKey: `${id}/v1` });
const planned = (id: string, o: ObjectRecord): NewMigration => migrationFixture(id, o, { explanation: null });

/** `PROCESSES` catalogs on a fresh schema, each of whose sessions is tagged with `tag`. */
async function openProcesses(tag: string) {
  const url = new URL(pgSchemas.url());
  url.searchParams.set('application_name', tag);
  const schema = pgSchemas.newSchema('claims');
  const catalogs: Catalog[] = [];
  const cleanup = async () => {
    await Promise.all(catalogs.map((c) => c.close()));
    await pgSchemas.dropSchema(schema);
  };
  try {
    for (let i = 0; i < PROCESSES; i++) catalogs.push(await openPostgresCatalog(url.toString(), { schema, poolSize: POOL_SIZE }));
  } catch (error) {
    await cleanup();
    throw error;
  }
  return { schema, catalogs, cleanup, tag };
}

/** A barrier: in its own transaction, another session takes locks the contenders will need. */
type Barrier = { hold: (blocker: pg.Client) => Promise<void>; release: 'commit' | 'rollback' };

/** Holds the rows of `table` whose `column` is in `ids` (SELECT ... FOR UPDATE), then commits. */
const rowLocks = (schema: string, table: string, column: string, ids: string[]): Barrier => ({
  release: 'commit',
  async hold(blocker) {
    const locked = await blocker.query(`select 1 from ${schema}.${table} where ${column} = any($1) for update`, [ids]);
    assert.equal(locked.rowCount, ids.length, 'every row to race on exists and is locked');
  },
});

/**
 * Starts every contender while the barrier's session holds its locks, waits until every
 * contender's statement (sessions tagged `tag`) waits on a lock, then ends that transaction
 * so they all go at once. Returns the contenders' results. With `inOrder`, each contender
 * starts waiting only after the previous one does, so the server serves them in list order.
 */
async function raceAtBarrier<T>(setup: { tag: string }, barrier: Barrier, contenders: Array<() => Promise<T>>, inOrder = false): Promise<T[]> {
  const blocker = new pg.Client({ connectionString: pgSchemas.url() });
  await blocker.connect();
  try {
    await blocker.query('begin');
    await barrier.hold(blocker);
    const allWaiting = (count: number) =>
      waitFor(
        async () => {
          const waiting = await pgSchemas.query(`select count(*)::int as n from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'`, [setup.tag]);
          return waiting.rows[0].n === count;
        },
        { description: `${count} contenders waiting on the locked rows`, timeoutMs: 15_000 },
      );
    const running: Array<Promise<T>> = [];
    for (const contend of contenders) {
      running.push(contend());
      // In order: each joins the lock queue behind the one before, so they run in list order.
      if (inOrder) await allWaiting(running.length);
    }
    await allWaiting(contenders.length);
    await blocker.query(barrier.release);
    return await Promise.all(running);
  } finally {
    await blocker.end();
  }
}

/** Every worker of every process, `POOL_SIZE` per process, named `p<process>-w<worker>`. */
function workersOf(catalogs: Catalog[]): Array<{ catalog: Catalog; owner: string }> {
  return catalogs.flatMap((catalog, p) => Array.from({ length: POOL_SIZE }, (_, w) => ({ catalog, owner: `p${p}-w${w}` })));
}

describe('postgres: claiming migrations across processes', { skip: skipUnless('postgres') }, () => {
  it('exactly one of many workers racing for a migration wins it', async () => {
    const setup = await openProcesses(`claim-race-${process.pid}`);
    try {
      const [first, , last] = setup.catalogs;
      const rounds = 5;
      for (let round = 0; round < rounds; round++) {
        const o = object(`o${round}`);
        await first!.insertObject(o);
        assert.ok(await first!.createMigration(planned(`m${round}`, o)));
        const id = `m${round}`;
        const workers = workersOf(setup.catalogs);
        const results = await raceAtBarrier(
          setup,
          rowLocks(setup.schema, 'migrations', 'id', [id]),
          workers.map(({ catalog, owner }) => async () => ({ owner, claimed: await catalog.claimMigration(id, owner, T0 + round, LEASE_MS) })),
        );
        assert.equal(results.length, CONTENDERS);
        const winners = results.filter((r) => r.claimed !== undefined);
        assert.equal(winners.length, 1, `round ${round}: one winner, got ${winners.map((w) => w.owner).join(', ')}`);
        const winner = winners[0]!;
        assert.equal(winner.claimed?.leaseOwner, winner.owner);
        const stored = await last!.getMigration(id);
        assert.equal(stored?.leaseOwner, winner.owner, 'the row names the winner, as every process sees it');
        assert.equal(stored?.leaseExpiresAt, T0 + round + LEASE_MS);
      }
    } finally {
      await setup.cleanup();
    }
  });

  it('many migrations claimed by every worker at once: each has one owner, no claim reports a win it lost', async () => {
    const setup = await openProcesses(`claim-bulk-${process.pid}`);
    try {
      const count = 60;
      for (let i = 0; i < count; i++) {
        const o = object(`b${i}`);
        await setup.catalogs[0]!.insertObject(o);
        await setup.catalogs[0]!.createMigration(planned(`bm${i}`, o));
      }
      const workers = workersOf(setup.catalogs);
      // Each worker walks the list from its own offset, as workers polling unfinishedMigrations do.
      const attempts = await Promise.all(
        workers.map(async ({ catalog, owner }, w) => {
          const won: string[] = [];
          for (let k = 0; k < count; k++) {
            const id = `bm${(k + w * 5) % count}`;
            if (await catalog.claimMigration(id, owner, T0, LEASE_MS)) won.push(id);
          }
          return { owner, won };
        }),
      );
      const ownerOf = new Map<string, string>();
      for (const { owner, won } of attempts) {
        for (const id of won) {
          assert.equal(ownerOf.get(id), undefined, `${id} won by ${ownerOf.get(id)} and ${owner}`);
          ownerOf.set(id, owner);
        }
      }
      assert.equal(ownerOf.size, count, 'every migration was claimed by someone');
      for (const m of await setup.catalogs[1]!.unfinishedMigrations()) assert.equal(m.leaseOwner, ownerOf.get(m.id));
    } finally {
      await setup.cleanup();
    }
  });

  it('concurrent planners in several processes create one active migration per object', async () => {
    const setup = await openProcesses(`plan-race-${process.pid}`);
    try {
      const o = object('contested');
      await setup.catalogs[0]!.insertObject(o);
      const workers = workersOf(setup.catalogs);
      // The barrier: an uncommitted active migration of the object, invisible to the planners'
      // checks, so each one's INSERT waits on the one-active-per-object index. Rolled back,
      // it lets them all insert at once.
      const uncommittedActive: Barrier = {
        release: 'rollback',
        async hold(blocker) {
          await blocker.query(
            `insert into ${setup.schema}.migrations (id, object_id, source_tier, destination_tier, reason, status, object_version, source_key, destination_key, size_bytes, bytes_copied, attempts, created_at, updated_at)
             values ('barrier', $1, 'public', 'onprem', 'manual', 'planned', 1, 'k', 'k2', 1, 0, 0, $2, $2)`,
            [o.objectId, T0],
          );
        },
      };
      const results = await raceAtBarrier(
        setup,
        uncommittedActive,
        workers.map(({ catalog, owner }) => () => catalog.createMigration(planned(`plan-${owner}`, o))),
      );
      const created = results.filter((r) => r !== undefined);
      assert.equal(created.length, 1, 'one planner wins');
      assert.deepEqual((await setup.catalogs[2]!.unfinishedMigrations()).map((m) => m.id), [created[0]!.id]);
    } finally {
      await setup.cleanup();
    }
  });

  it("a killed worker's migration stays its own until the lease expires, then exactly one worker takes it over", async () => {
    const setup = await openProcesses(`takeover-${process.pid}`);
    try {
      const [a, b, c] = setup.catalogs;
      const o = object('k');
      await a!.insertObject(o);
      await a!.createMigration(planned('m-killed', o));

      // A real worker process claims the migration, starts copying, and is killed.
      const moduleUrl = new URL('../../src/catalog/postgres-catalog.ts', import.meta.url).href;
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          `const { openPostgresCatalog } = await import(${JSON.stringify(moduleUrl)});
           const catalog = await openPostgresCatalog(process.env.CATALOG_URL, { schema: process.env.CATALOG_SCHEMA, poolSize: 1 });
           const claimed = await catalog.claimMigration('m-killed', 'doomed', ${T0}, ${LEASE_MS});
           const copying = claimed && (await catalog.updateMigration('m-killed', 'doomed', { fromStatus: 'planned', status: 'copying', attempts: 1, updatedAt: ${T0 + 1} }));
           console.log(copying ? 'copying' : 'lost');
           setInterval(() => {}, 60_000);`,
        ],
        { env: { ...process.env, CATALOG_URL: pgSchemas.url(), CATALOG_SCHEMA: setup.schema }, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let said = '';
      child.stdout.on('data', (chunk: Buffer) => (said += chunk.toString()));
      try {
        await waitFor(() => said.includes('copying') || said.includes('lost'), { description: 'the doomed worker to start copying', timeoutMs: 30_000 });
        assert.match(said, /copying/);
      } finally {
        child.kill('SIGKILL');
      }
      await once(child, 'exit').catch(() => {});

      const orphaned = await b!.getMigration('m-killed');
      assert.equal(orphaned?.status, 'copying');
      assert.equal(orphaned?.leaseOwner, 'doomed');
      assert.equal(orphaned?.leaseExpiresAt, T0 + LEASE_MS);

      // Before expiry: nobody gets it, however many try at once. (No barrier here: a row that
      // does not match the claim's condition is not locked, so there is nothing to wait on.)
      const early = await Promise.all(
        workersOf(setup.catalogs).map(({ catalog, owner }) => catalog.claimMigration('m-killed', owner, T0 + LEASE_MS - 1, LEASE_MS)),
      );
      assert.deepEqual(early.filter((r) => r !== undefined), [], 'no takeover before the lease expires');
      assert.equal((await c!.getMigration('m-killed'))?.leaseOwner, 'doomed');

      // After expiry: exactly one of the racing workers takes it, in the state it was left in.
      const afterExpiry = T0 + LEASE_MS + 1;
      const late = await raceAtBarrier(
        setup,
        rowLocks(setup.schema, 'migrations', 'id', ['m-killed']),
        workersOf(setup.catalogs).map(({ catalog, owner }) => async () => ({ owner, claimed: await catalog.claimMigration('m-killed', owner, afterExpiry, LEASE_MS) })),
      );
      const takers = late.filter((r) => r.claimed !== undefined);
      assert.equal(takers.length, 1, `one takeover, got ${takers.map((t) => t.owner).join(', ')}`);
      const taker = takers[0]!;
      assert.equal(taker.claimed?.status, 'copying');
      assert.equal(taker.claimed?.leaseExpiresAt, afterExpiry + LEASE_MS);

      // The new owner carries on; the dead one (were it to come back) is locked out.
      const takerCatalog = setup.catalogs[Number(taker.owner.slice(1, taker.owner.indexOf('-')))]!;
      const restart = { fromStatus: 'copying', status: 'planned', error: 'interrupted; the copy starts over', updatedAt: afterExpiry + 1 } as const;
      assert.equal(await a!.updateMigration('m-killed', 'doomed', restart), false);
      assert.equal(await takerCatalog.updateMigration('m-killed', taker.owner, restart), true);
      const resumed = await c!.getMigration('m-killed');
      assert.equal(resumed?.status, 'planned');
      assert.equal(resumed?.leaseOwner, taker.owner);
      assert.equal(resumed?.attempts, 1, 'the killed attempt stays counted');
    } finally {
      await setup.cleanup();
    }
  });

  it('an overwrite racing a switch never loses the new content', async () => {
    const setup = await openProcesses(`switch-race-${process.pid}`);
    try {
      const [api, worker] = setup.catalogs;
      for (let round = 0; round < 6; round++) {
        const o = object(`s${round}`);
        await api!.insertObject(o);
        await worker!.createMigration(planned(`sm${round}`, o));
        await worker!.claimMigration(`sm${round}`, 'w', T0, LEASE_MS);
        for (const [from, to] of [['planned', 'copying'], ['copying', 'verifying']] as const) {
          assert.ok(await worker!.updateMigration(`sm${round}`, 'w', { fromStatus: from, status: to, updatedAt: T0 }));
        }
        const migration = (await worker!.getMigration(`sm${round}`))!;
        const next = { tier: 'private', storageKey: `s${round}/v2`, sizeBytes: 7, sha256: 'b'.repeat(64), contentType: 'text/plain', updatedAt: T0 + 5 };
        // Both wait on the object row; even rounds the overwrite is first in the queue, odd rounds the switch.
        const overwriteFirst = round % 2 === 0;
        const replace = () => api!.replaceContent(o.objectId, 1, next);
        const switchIt = () => worker!.switchObjectLocation(migration, 'w', T0 + 6);
        const results = await raceAtBarrier<unknown>(
          setup,
          rowLocks(setup.schema, 'objects', 'object_id', [o.objectId]),
          overwriteFirst ? [replace, switchIt] : [switchIt, replace],
          true,
        );
        const [replaced, switched] = overwriteFirst ? results : [results[1], results[0]];
        const final = await setup.catalogs[2]!.getObject(o.objectId);
        const status = (await setup.catalogs[2]!.getMigration(`sm${round}`))?.status;
        assert.ok(replaced, 'the overwrite always succeeds: a switch does not change the version');
        assert.equal(final?.storageKey, `s${round}/v2`, 'the overwrite is what readers see');
        assert.equal(final?.version, 2);
        if (overwriteFirst) {
          assert.equal(switched, false, 'the switch found a new version');
          assert.equal(status, 'cancelled', 'and the move was cancelled');
        } else {
          assert.equal(switched, true, 'switched first');
          assert.equal(status, 'switched', 'the move completes; the overwrite lands after it');
        }
      }
    } finally {
      await setup.cleanup();
    }
  });
});
