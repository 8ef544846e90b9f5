import { invalidInput } from '../domain/errors.js';
import type { TierProfile } from '../domain/tier.js';
import { LatencyStats } from './latency-stats.js';
import { emptyCostParts, totalOf, type CostParts, type PolicyResult, type SimAccess, type SimProfile } from './model.js';
import { chargeAccess, creationCost } from '../domain/cost-model.js';
import { SizePrices } from './size-prices.js';

/**
 * `optimal` may move an object at any instant, so also just before an access;
 * `optimal-reactive` moves only at a request (after serving it; the creating write counts),
 * like a reactive policy with perfect foresight. Their difference bounds what forecasting
 * can earn.
 */
export type OptimumMode = 'optimal' | 'optimal-reactive';

const DESCRIPTIONS: Record<OptimumMode, string> = {
  optimal: 'offline optimum: knows every future request and moves an object at any time, also just before an access',
  'optimal-reactive': 'offline optimum that moves only at a request: knows the future, but serves each access from where the object already is',
};

/**
 * Costs within this relative distance count as equal, so that ties are broken by the
 * stated rule (fewer migrations, then the faster tier) and not by rounding noise.
 */
const TIE = 1e-12;
const TIE_BELOW = 1 - TIE;
const TIE_ABOVE = 1 + TIE;
const INITIAL_CAPACITY = 1024;

export interface OptimumOptions {
  /**
   * Let the optimum write each new object straight into any tier (paying that tier's PUT)
   * instead of the profile's ingest tier. Needed when the replay lets policies choose
   * where new objects land (a static placement writing directly into its tier), so that
   * the optimum stays a lower bound of every policy. Default false: the profile's ingest tier.
   */
  chooseIngestTier?: boolean;
}

/**
 * The exact offline optimum for tiers without capacity limits, as a streaming dynamic
 * programme per object.
 *
 * Objects are independent, so each one's cheapest schedule is found on its own. The state
 * at a request is the tier serving it. Storage cost is linear in time, so within the gap
 * between two requests a best schedule spends the whole gap in one tier c: it moves at
 * most twice, right after the first request (a → c) and right before the next one
 * (c → b). A longer chain of moves never pays, because with non-negative fees a move
 * through an intermediate tier costs at least the direct move (read out of the first,
 * written into the last, plus more). So a step is two small minimisations:
 *   held(c)  = min over a of best(a) + move(a, c), plus storage in c over the gap;
 *   best'(b) = min over c of held(c) + move(c, b), plus serving the request from b.
 * In reactive mode the second move is not allowed: best'(b) = held(b) + serving. After the
 * last request the object may move once more and rests until `endAt`: min over c of held(c).
 *
 * Memory is fixed per object, never its list of requests: for every state, the cost of
 * the best path ending there and that path's summary (storage $, migration $, moves, the
 * tier it was written into, and accesses served per tier split into reads and writes).
 * Since an object's size is fixed, the summary is enough to rebuild the path's request,
 * retrieval and latency-penalty costs and its exact latency distribution at `finish`,
 * with the same cost-model functions every policy is charged by. That is 16 + 32T + 8T²
 * bytes per object for T tiers (184 with 3 tiers, 272 with 4). The steps are priced with
 * the same fees split into fixed and per-byte parts (SizePrices), which spares a dozen
 * function calls per request.
 *
 * An object's size is the one given at its creation; later requests' sizes are ignored,
 * as the cost model charges every policy for one fixed size per object.
 *
 * Ties (costs within TIE) go to the path with fewer migrations, then to the faster tier
 * held during the gap, then to the faster tier it came from.
 */
export class OfflineOptimum {
  private readonly tiers: readonly TierProfile[];
  private readonly tierCount: number;
  private readonly ingest: number;
  private readonly penaltyPerSecond: number;
  private readonly mode: OptimumMode;
  private readonly chooseIngestTier: boolean;
  private readonly prices: SizePrices;

  private capacity = 0;
  /** One past the highest object index seen. */
  private objectCount = 0;
  private accesses = 0;

  /*
   * One record per object in each of two arrays, so that a step touches a few adjacent
   * cache lines rather than one line in each of many arrays. States are the tier that
   * served the object's latest request.
   *   reals, stride 2 + 3T: lastAt (ms; NaN until created), size (bytes),
   *     then per state: the path's total $, its storage $, its migration $.
   *   counts, stride 2T + 2T²: per state the path's moves, the tier it wrote the object
   *     into (the ingest tier unless chooseIngestTier), then per state the reads served
   *     by tier 0..T-1 and the writes served by tier 0..T-1.
   */
  private reals = new Float64Array(0);
  private counts = new Uint32Array(0);
  private readonly realStride: number;
  private readonly countStride: number;

  // Scratch space for one step, so observe() allocates nothing.
  /** move[a*T+c]: migration a → c at the current object's size, $; 0 on the diagonal. */
  private readonly move: Float64Array;
  private movesPricedFor = NaN;
  /** Storage in each tier over the current gap, $. */
  private readonly stay: Float64Array;
  /** The current access served from each tier, $. */
  private readonly serve: Float64Array;
  /** Per tier c held through the gap: the best cost so far, its moves, the state it came from. */
  private readonly heldCost: Float64Array;
  private readonly heldMoves: Float64Array;
  private readonly heldFrom: Int32Array;
  /** Per new state b: the state it came from, the tier held through the gap, its record. */
  private readonly from: Int32Array;
  private readonly via: Int32Array;
  private readonly nextReals: Float64Array;
  private readonly nextCounts: Uint32Array;
  private readonly unitParts: CostParts = emptyCostParts();

  constructor(profile: SimProfile, mode: OptimumMode, options: OptimumOptions = {}) {
    if (profile.tiers.length === 0) throw invalidInput(`profile '${profile.name}' has no tiers`, 'list at least one tier, fastest first');
    if (profile.tiers.length > 255) throw invalidInput(`profile '${profile.name}' has ${profile.tiers.length} tiers; the simulator handles at most 255`);
    this.tiers = profile.tiers;
    this.tierCount = profile.tiers.length;
    this.ingest = profile.tiers.findIndex((tier) => tier.name === profile.ingestTier);
    if (this.ingest < 0) {
      throw invalidInput(`profile '${profile.name}' writes new objects to tier '${profile.ingestTier}', which it does not list`, `set ingestTier to one of: ${profile.tiers.map((t) => t.name).join(', ')}`);
    }
    this.penaltyPerSecond = profile.latencyPenaltyPerSecond;
    this.mode = mode;
    this.chooseIngestTier = options.chooseIngestTier ?? false;
    this.prices = new SizePrices(profile.tiers, profile.latencyPenaltyPerSecond);
    const t = this.tierCount;
    this.realStride = 2 + 3 * t;
    this.countStride = 2 * t + 2 * t * t;
    this.move = new Float64Array(t * t);
    this.stay = new Float64Array(t);
    this.serve = new Float64Array(t);
    this.heldCost = new Float64Array(t);
    this.heldMoves = new Float64Array(t);
    this.heldFrom = new Int32Array(t);
    this.from = new Int32Array(t);
    this.via = new Int32Array(t);
    this.nextReals = new Float64Array(this.realStride);
    this.nextCounts = new Uint32Array(this.countStride);
  }

  /** Feeds one request; an object's requests must come in time order. */
  observe(access: SimAccess): void {
    const o = access.object;
    if (access.created) {
      this.create(o, access.at, access.sizeBytes);
      return;
    }
    const record = o * this.realStride;
    const last = o < this.capacity ? this.reals[record]! : NaN;
    if (!(access.at >= last)) throw this.badSequence(access, last);
    const write = access.op === 'write';
    this.price(this.reals[record + 1]!, access.at - last, write);
    this.holdThroughGap(o);
    this.enterServingTier();
    this.advance(o, write);
    this.reals[record] = access.at;
    this.accesses++;
  }

  /**
   * Closes every object's schedule at `endAt` (each may move once more after its last
   * request) and sums the cheapest paths. Leaves the state as it was, so it may be called
   * again, for example after more requests.
   */
  finish(endAt: number): PolicyResult {
    const t = this.tierCount;
    const costs = emptyCostParts();
    const latency = new LatencyStats();
    const unit = this.unitParts;
    let migrations = 0;
    let bytesMoved = 0;
    let fastest = 0;
    for (let o = 0; o < this.objectCount; o++) {
      const reals = o * this.realStride;
      const counts = o * this.countStride;
      const last = this.reals[reals]!;
      if (Number.isNaN(last)) continue; // an index the replay never used
      if (!(endAt >= last)) throw invalidInput(`the trace ends at ${endAt} ms, before object ${o}'s last request at ${last} ms`, 'pass the time of the last request (or later) as the end');
      const size = this.reals[reals + 1]!;
      this.price(size, endAt - last, false);
      this.holdThroughGap(o);
      let rest = 0;
      for (let c = 1; c < t; c++) {
        if (isBetter(this.heldCost[c]!, this.heldMoves[c]!, this.heldCost[rest]!, this.heldMoves[rest]!)) rest = c;
      }
      const a = this.heldFrom[rest]!;
      const moves = this.heldMoves[rest]!;
      costs.storage += this.reals[reals + 2 + t + a]! + this.stay[rest]!;
      costs.migrations += this.reals[reals + 2 + 2 * t + a]! + this.move[a * t + rest]!;
      costs.requests += creationCost(this.tiers[this.counts[counts + t + a]!]!);
      migrations += moves;
      bytesMoved += moves * size;
      const served = counts + 2 * t + a * 2 * t;
      for (let tier = 0; tier < t; tier++) {
        for (let w = 0; w < 2; w++) {
          const count = this.counts[served + w * t + tier]!;
          if (count === 0) continue;
          unit.requests = unit.retrieval = unit.latencyPenalty = 0;
          const ms = chargeAccess(unit, this.tiers[tier]!, size, w === 1 ? 'write' : 'read', this.penaltyPerSecond);
          costs.requests += unit.requests * count;
          costs.retrieval += unit.retrieval * count;
          costs.latencyPenalty += unit.latencyPenalty * count;
          latency.add(ms, count);
          if (tier === 0) fastest += count;
        }
      }
    }
    return {
      name: this.mode,
      description: DESCRIPTIONS[this.mode],
      costs,
      totalCostUsd: totalOf(costs),
      regret: null,
      accesses: this.accesses,
      meanLatencyMs: latency.mean(),
      p99LatencyMs: latency.quantile(0.99),
      fastestTierShare: this.accesses === 0 ? 0 : fastest / this.accesses,
      migrations,
      bytesMoved,
      timeline: [],
    };
  }

  private create(o: number, at: number, sizeBytes: number): void {
    if (!Number.isInteger(o) || o < 0) throw invalidInput(`object index ${o} is not a non-negative integer`);
    if (!(sizeBytes >= 0 && sizeBytes < Infinity)) throw invalidInput(`object ${o} has size ${sizeBytes}; sizes are finite bytes ≥ 0`);
    if (!Number.isFinite(at)) throw invalidInput(`object ${o} is created at ${at} ms; times must be finite`);
    this.ensureCapacity(o + 1);
    const t = this.tierCount;
    const reals = o * this.realStride;
    const counts = o * this.countStride;
    if (!Number.isNaN(this.reals[reals]!)) throw invalidInput(`object ${o} is created twice`, 'only the first request of an object has created: true');
    this.reals.fill(0, reals, reals + this.realStride);
    this.counts.fill(0, counts, counts + this.countStride);
    this.reals[reals] = at;
    this.reals[reals + 1] = sizeBytes;
    for (let s = 0; s < t; s++) {
      const writable = s === this.ingest || this.chooseIngestTier;
      this.reals[reals + 2 + s] = writable ? creationCost(this.tiers[s]!) : Infinity;
      this.counts[counts + t + s] = this.chooseIngestTier ? s : this.ingest;
    }
    if (o >= this.objectCount) this.objectCount = o + 1;
  }

  /** move[a*T+c], stay[c] and serve[b] for this object's size, the gap and the request's op. */
  private price(size: number, gapMs: number, write: boolean): void {
    const t = this.tierCount;
    const prices = this.prices;
    if (size !== this.movesPricedFor) {
      // Moves depend on the size alone (traces of fixed-size extents never reprice them).
      const move = this.move;
      const moveFixed = prices.moveFixed;
      const movePerByte = prices.movePerByte;
      for (let k = 0; k < t * t; k++) move[k] = moveFixed[k]! + movePerByte[k]! * size;
      this.movesPricedFor = size;
    }
    const fixed = write ? prices.writeFixed : prices.readFixed;
    const perByte = write ? prices.writePerByte : prices.readPerByte;
    for (let c = 0; c < t; c++) {
      this.stay[c] = prices.storagePerByteMs[c]! * Math.max(size, prices.minBillableBytes[c]!) * gapMs;
      this.serve[c] = fixed[c]! + perByte[c]! * size;
    }
  }

  /** held(c): the cheapest way to spend the gap in tier c, moving there right after the last request. */
  private holdThroughGap(o: number): void {
    const t = this.tierCount;
    const total = o * this.realStride + 2;
    const moves = o * this.countStride;
    const reals = this.reals;
    const counts = this.counts;
    const move = this.move;
    for (let c = 0; c < t; c++) {
      let bestA = 0;
      let bestCost = reals[total]! + move[c]!;
      let bestMoves = counts[moves]! + (c === 0 ? 0 : 1);
      for (let a = 1; a < t; a++) {
        const cost = reals[total + a]! + move[a * t + c]!;
        const count = counts[moves + a]! + (a === c ? 0 : 1);
        if (isBetter(cost, count, bestCost, bestMoves)) {
          bestA = a;
          bestCost = cost;
          bestMoves = count;
        }
      }
      this.heldCost[c] = bestCost + this.stay[c]!;
      this.heldMoves[c] = bestMoves;
      this.heldFrom[c] = bestA;
    }
  }

  /** best'(b): the held tier to come from, moving to b right before the request unless reactive; fills the new totals and moves. */
  private enterServingTier(): void {
    const t = this.tierCount;
    const heldCost = this.heldCost;
    const heldMoves = this.heldMoves;
    const move = this.move;
    const reactive = this.mode === 'optimal-reactive';
    for (let b = 0; b < t; b++) {
      let bestC = b;
      let bestCost = heldCost[b]!;
      let bestMoves = heldMoves[b]!;
      if (!reactive) {
        for (let c = 0; c < t; c++) {
          if (c === b) continue;
          const cost = heldCost[c]! + move[c * t + b]!;
          const count = heldMoves[c]! + 1;
          if (isBetter(cost, count, bestCost, bestMoves) || (isTie(cost, count, bestCost, bestMoves) && c < bestC)) {
            bestC = c;
            bestCost = cost;
            bestMoves = count;
          }
        }
      }
      this.via[b] = bestC;
      this.from[b] = this.heldFrom[bestC]!;
      this.nextReals[2 + b] = bestCost + this.serve[b]!;
      this.nextCounts[b] = bestMoves;
    }
  }

  /** Replaces the object's states by the new ones and counts the access in each. */
  private advance(o: number, write: boolean): void {
    const t = this.tierCount;
    const realBase = o * this.realStride;
    const countBase = o * this.countStride;
    const reals = this.reals;
    const counts = this.counts;
    const nextReals = this.nextReals;
    const nextCounts = this.nextCounts;
    const from = this.from;
    const via = this.via;
    const move = this.move;
    const stay = this.stay;
    const row = 2 * t;
    let stable = true;
    // Every new state is built from the old ones in scratch, then copied over.
    for (let b = 0; b < t; b++) {
      const a = from[b]!;
      const c = via[b]!;
      if (a !== b) stable = false;
      nextReals[2 + t + b] = reals[realBase + 2 + t + a]! + stay[c]!;
      nextReals[2 + 2 * t + b] = reals[realBase + 2 + 2 * t + a]! + move[a * t + c]! + move[c * t + b]!;
      nextCounts[t + b] = counts[countBase + t + a]!;
    }
    for (let k = 2; k < 2 + 3 * t; k++) reals[realBase + k] = nextReals[k]!;
    for (let k = 0; k < 2 * t; k++) counts[countBase + k] = nextCounts[k]!;
    const served = countBase + 2 * t;
    if (!stable) {
      // Usually every replaced row descends from a row that stays: copy in place. If a
      // source is itself replaced, rebuild the rows in scratch first.
      let direct = true;
      for (let b = 0; b < t; b++) if (from[from[b]!] !== from[b]) direct = false;
      if (direct) {
        for (let b = 0; b < t; b++) {
          const a = from[b]!;
          if (a === b) continue;
          for (let k = 0; k < row; k++) counts[served + b * row + k] = counts[served + a * row + k]!;
        }
      } else {
        for (let b = 0; b < t; b++) {
          for (let k = 0; k < row; k++) nextCounts[2 * t + b * row + k] = counts[served + from[b]! * row + k]!;
        }
        for (let k = 0; k < t * row; k++) counts[served + k] = nextCounts[2 * t + k]!;
      }
    }
    const column = served + (write ? t : 0);
    for (let b = 0; b < t; b++) counts[column + b * row + b]!++;
  }

  private ensureCapacity(needed: number): void {
    if (needed <= this.capacity) return;
    const capacity = Math.max(needed, this.capacity * 2, INITIAL_CAPACITY);
    const reals = new Float64Array(capacity * this.realStride);
    reals.set(this.reals);
    // lastAt NaN marks a record not created yet.
    for (let o = this.capacity; o < capacity; o++) reals[o * this.realStride] = NaN;
    this.reals = reals;
    const counts = new Uint32Array(capacity * this.countStride);
    counts.set(this.counts);
    this.counts = counts;
    this.capacity = capacity;
  }

  private badSequence(access: SimAccess, last: number): Error {
    if (Number.isNaN(last)) {
      return invalidInput(`object ${access.object} is requested at ${access.at} ms before it was created`, 'the first request of every object must have created: true');
    }
    return invalidInput(
      `object ${access.object} is requested at ${access.at} ms, before its previous request at ${last} ms`,
      'replay the trace in time order (sort it first)',
    );
  }
}

/** (cost, moves) is lexicographically smaller, costs (never negative) compared up to TIE. */
function isBetter(cost: number, moves: number, bestCost: number, bestMoves: number): boolean {
  return cost < bestCost * TIE_BELOW || (cost <= bestCost * TIE_ABOVE && moves < bestMoves);
}

function isTie(cost: number, moves: number, bestCost: number, bestMoves: number): boolean {
  return moves === bestMoves && cost >= bestCost * TIE_BELOW && cost <= bestCost * TIE_ABOVE;
}
