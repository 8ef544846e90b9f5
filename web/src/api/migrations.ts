import { getJson } from './http.js';
import type { MigrationJson, Page } from './types.js';

export interface MigrationListQuery {
  status?: string;
  reason?: string;
  tier?: string;
  object_id?: string;
  limit: number;
  offset: number;
}

export const listMigrations = (query: MigrationListQuery) => getJson<Page & { migrations: MigrationJson[] }>('/api/migrations', { ...query });
