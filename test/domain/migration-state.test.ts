import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertTransition, canTransition, isTerminal, MIGRATION_STATUSES } from '../../src/domain/migration.js';

describe('migration state machine', () => {
  it('walks the happy path planned → copying → verifying → switched → completed', () => {
    const path = ['planned', 'copying', 'verifying', 'switched', 'completed'] as const;
    for (let i = 0; i + 1 < path.length; i++) assert.ok(canTransition(path[i]!, path[i + 1]!), `${path[i]} → ${path[i + 1]}`);
  });

  it('lets an interrupted copy start over, but never after the switch', () => {
    assert.ok(canTransition('copying', 'planned'));
    assert.ok(canTransition('verifying', 'planned'));
    assert.ok(!canTransition('switched', 'planned'));
    assert.ok(!canTransition('switched', 'cancelled'), 'after the switch the object lives in the destination');
    assert.ok(!canTransition('switched', 'failed'));
  });

  it('cannot skip verification', () => {
    assert.ok(!canTransition('copying', 'switched'));
    assert.throws(() => assertTransition('copying', 'switched'), /illegal migration transition copying → switched/);
  });

  it('has no way out of a terminal state', () => {
    for (const from of MIGRATION_STATUSES.filter(isTerminal)) {
      for (const to of MIGRATION_STATUSES) assert.ok(!canTransition(from, to), `${from} → ${to}`);
    }
    assert.deepEqual(MIGRATION_STATUSES.filter(isTerminal), ['completed', 'failed', 'cancelled']);
  });
});
