import type { TierConfig } from './schema.js';

/**
 * The seed's three tiers (fastest first). Storage prices and first-byte latencies are the
 * seed's figures (0.01 / 0.008 / 0.005 $/GB-month; 10 / 50 / 150 ms). Request and egress
 * fees follow the kind of store each tier stands for: local disk is free per request, the
 * private S3-compatible store charges a small internal transfer, the public cloud charges
 * S3 Standard's list prices (GET $0.0004 and PUT $0.005 per 1,000, egress $0.09/GB).
 */
export const DEFAULT_TIERS: TierConfig[] = [
  {
    name: 'onprem',
    backend: { type: 'fs', path: 'tiers/onprem' },
    pricing: { storageGbMonth: 0.01, getPer1000: 0, putPer1000: 0, retrievalPerGb: 0 },
    latency: { firstByteMs: 10, perMbMs: 1 },
    promoteAt: 100,
  },
  {
    name: 'private',
    backend: { type: 'fs', path: 'tiers/private' },
    pricing: { storageGbMonth: 0.008, getPer1000: 0, putPer1000: 0, retrievalPerGb: 0.01 },
    latency: { firstByteMs: 50, perMbMs: 4 },
    promoteAt: 20,
  },
  {
    name: 'public',
    backend: { type: 'fs', path: 'tiers/public' },
    pricing: { storageGbMonth: 0.005, getPer1000: 0.0004, putPer1000: 0.005, retrievalPerGb: 0.09 },
    latency: { firstByteMs: 150, perMbMs: 10 },
    promoteAt: 0,
  },
];
