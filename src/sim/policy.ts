import type { PolicyLedger } from './ledger.js';
import type { SimAccess, SimProfile } from './model.js';

/**
 * An online policy in the replay: it sees requests in time order and may move objects
 * through its ledger, never knowing the future. Promotions in reaction to an access happen
 * after the access is served (as in the service, where the access is the evidence).
 */
export interface OnlinePolicy {
  readonly name: string;
  readonly description: string;
  readonly ledger: PolicyLedger;
  /** Tier index a new object is written to. */
  ingestTier(access: SimAccess): number;
  /** Runs the policy's own clock (deferred checks, periodic sweeps) up to `now`, before the request at `now`. */
  advance(now: number): void;
  /** After the request was served (or the object created). */
  onRequest(access: SimAccess): void;
}

/** What every policy is built from. */
export interface PolicyContext {
  profile: SimProfile;
  /** Index of the profile's ingest tier. */
  ingestTier: number;
  /** The (scaled) time of the trace's first request. */
  startAt: number;
}
