import { OfflineOptimum } from './optimal.js';
import { profileTierIndex } from './ledger.js';
import type { PolicyResult, SimAccess, SimProfile } from './model.js';
import { createOnlinePolicy, OPTIMA, type OptimumName } from './policy-set.js';
import type { OnlinePolicy, PolicyContext } from './policy.js';
import { serviceDefaults, type ServicePolicySettings } from './policies/service-settings.js';
import type { SimulationResult } from './report/simulation-result.js';
import type { TraceRecord } from './trace-record.js';

export interface ReplayOptions {
  profile: SimProfile;
  /** Resolved policy names (see resolvePolicies); must include 'optimal'. */
  policies: string[];
  /** Stretches trace time by this factor around the first request. */
  timeScale: number;
  settings?: ServicePolicySettings;
  /** Chart samples kept per policy (at most twice this many, at least this many when the span allows). */
  samplePoints?: number;
  /** Called about every 64k requests. */
  onProgress?: (progress: { requests: number; objects: number }) => void;
}

export interface TraceMeta {
  trace: string;
  format: string;
  skippedBadRecords: () => number;
  sortedInMemory: () => boolean;
}

const FIRST_SAMPLE_STEP_MS = 60_000;

/**
 * Replays a time-ordered stream of requests through every policy at once, in virtual time.
 * Each object's first request creates it (in its ingest tier); each policy then sees every
 * later request after its own clock has caught up with it, and the offline optima see the
 * whole stream and settle at the end.
 */
export async function replay(batches: AsyncIterable<TraceRecord[]>, meta: TraceMeta, options: ReplayOptions): Promise<SimulationResult> {
  const { profile, timeScale } = options;
  const settings = options.settings ?? serviceDefaults();
  const started = performance.now();
  const ids: string[] = [];
  const indexOf = new Map<string, number>();
  const sizes: number[] = [];
  const context: PolicyContext = { profile, ingestTier: profileTierIndex(profile, profile.ingestTier), startAt: 0 };
  let online: OnlinePolicy[] = [];
  const optima = options.policies.filter((p): p is OptimumName => (OPTIMA as readonly string[]).includes(p)).map((mode) => new OfflineOptimum(profile, mode, { chooseIngestTier: true }));
  const access: SimAccess = { object: 0, at: 0, sizeBytes: 0, op: 'read', created: false };
  let firstAt: number | undefined;
  let lastAt = 0;
  let requests = 0;
  let peakRss = process.memoryUsage().rss;
  let sampleStep = FIRST_SAMPLE_STEP_MS;
  let nextSampleAt = Infinity;
  const maxSamples = (options.samplePoints ?? 200) * 2;

  const sample = (at: number) => {
    for (const policy of online) policy.ledger.sample(at);
    if (online[0] && online[0].ledger.timeline.length >= maxSamples) {
      // Keep every other sample and halve the rate: a fixed-size chart whatever the span.
      for (const policy of online) {
        const timeline = policy.ledger.timeline;
        let kept = 0;
        for (let i = 0; i < timeline.length; i += 2) timeline[kept++] = timeline[i]!;
        timeline.length = kept;
      }
      sampleStep *= 2;
    }
    nextSampleAt = at + sampleStep;
  };

  for await (const batch of batches) {
    for (const record of batch) {
      if (firstAt === undefined) {
        firstAt = record.at;
        context.startAt = firstAt;
        online = options.policies.filter((p) => !(OPTIMA as readonly string[]).includes(p)).map((name) => createOnlinePolicy(name, context, settings, (o) => ids[o]!));
        nextSampleAt = firstAt;
      }
      const at = firstAt + (record.at - firstAt) * timeScale;
      let object = indexOf.get(record.objectId);
      access.created = object === undefined;
      if (object === undefined) {
        object = ids.length;
        ids.push(record.objectId);
        indexOf.set(record.objectId, object);
        // An object keeps the size of its first request (range reads must not resize it).
        sizes.push(record.sizeBytes);
      }
      access.object = object;
      access.at = at;
      access.sizeBytes = sizes[object]!;
      access.op = record.op;
      // Every sample time the request passed, in order: a sparse trace must not date later costs early.
      while (at >= nextSampleAt) {
        for (const policy of online) policy.advance(nextSampleAt);
        sample(nextSampleAt);
      }
      for (const policy of online) {
        policy.advance(at);
        if (access.created) policy.ledger.create(access, policy.ingestTier(access));
        else policy.ledger.serve(access);
        policy.onRequest(access);
      }
      for (const optimum of optima) optimum.observe(access);
      lastAt = at;
      requests++;
      if ((requests & 0xffff) === 0) {
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        options.onProgress?.({ requests, objects: ids.length });
      }
    }
  }

  const endAt = lastAt;
  for (const policy of online) {
    policy.advance(endAt);
    policy.ledger.sample(endAt);
  }
  const results: PolicyResult[] = [
    ...online.map((p) => p.ledger.result(p.name, p.description, endAt)),
    ...optima.map((o) => o.finish(endAt)),
  ];
  const optimal = results.find((r) => r.name === 'optimal');
  for (const result of results) result.regret = optimal && optimal.totalCostUsd > 0 ? result.totalCostUsd / optimal.totalCostUsd : null;
  const order = new Map(options.policies.map((name, i) => [name, i]));
  results.sort((a, b) => order.get(a.name)! - order.get(b.name)!);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const replaySeconds = (performance.now() - started) / 1000;
  return {
    trace: meta.trace,
    format: meta.format,
    requests,
    objects: ids.length,
    spanSeconds: firstAt === undefined ? 0 : (endAt - firstAt) / 1000,
    timeScale,
    skippedBadRecords: meta.skippedBadRecords(),
    sortedInMemory: meta.sortedInMemory(),
    profile,
    startedAt: firstAt ?? 0,
    policies: results,
    generatedAt: new Date().toISOString(),
    replaySeconds,
    requestsPerSecond: replaySeconds > 0 ? requests / replaySeconds : 0,
    peakRssBytes: peakRss,
  };
}
