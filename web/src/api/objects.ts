import { getJson, postForm, postJson, withQuery } from './http.js';
import type { AccessHistory, MigrationJson, ObjectJson, Page, Prediction } from './types.js';

export type ObjectSort = 'created_at' | 'size_bytes' | 'access_count' | 'last_accessed_at' | 'object_id' | 'tier' | 'predicted_next_24h';

export interface ObjectListQuery {
  q?: string;
  tier?: string;
  sort: ObjectSort;
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

export const listObjects = (query: ObjectListQuery) => getJson<Page & { objects: ObjectJson[] }>('/api/objects', { ...query });

export const getObject = (id: string) => getJson<ObjectJson>(`/api/objects/${encodeURIComponent(id)}`);

export const contentUrl = (id: string) => `/api/objects/${encodeURIComponent(id)}/content`;

export const accessHistory = (id: string, hours: number) => getJson<AccessHistory>(`/api/objects/${encodeURIComponent(id)}/history`, { hours });

export const predict = (id: string) => getJson<Prediction>(`/api/objects/${encodeURIComponent(id)}/predict`);

export function uploadObject(file: File, options: { tier?: string; name?: string }): Promise<ObjectJson> {
  const form = new FormData();
  form.append('file', file, file.name);
  return postForm<ObjectJson>(withQuery('/api/objects', { tier: options.tier, name: options.name }), form);
}

export const simulateAccess = (id: string, count: number) =>
  postJson<{ object_id: string; accesses_recorded: number; current_tier: string }>(`/api/objects/${encodeURIComponent(id)}/access`, { count });

export const migrateObject = (id: string, tier: string, pin: boolean) => postJson<MigrationJson>(`/api/objects/${encodeURIComponent(id)}/migrate`, { tier, pin });
