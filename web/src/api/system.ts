import { getJson, postJson } from './http.js';
import type { AccessRate, Metrics, SimulationSummary, Sweep, Tier, Training } from './types.js';

export const metrics = () => getJson<Metrics>('/api/metrics');

export const tiers = () => getJson<{ tiers: Tier[] }>('/api/tiers');

export const accessRate = (minutes: number) => getJson<AccessRate>('/api/accesses/per-minute', { minutes });

export const trainModel = () => postJson<Training>('/api/ml/train');

export const runProactiveSweep = () => postJson<Sweep>('/api/proactive/run');

export const simulations = () => getJson<{ reports_dir: string; simulations: SimulationSummary[] }>('/api/simulations');
