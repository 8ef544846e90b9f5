import { invalidInput } from '../domain/errors.js';
import type { TierProfile } from '../domain/tier.js';
import type { TierBackend } from '../storage/tier-backend.js';

/** The configured tiers, fastest first, each with its profile and its backend. */
export class TierSet {
  private readonly backends: ReadonlyMap<string, TierBackend>;

  constructor(
    readonly profiles: readonly TierProfile[],
    backends: ReadonlyMap<string, TierBackend>,
  ) {
    this.backends = backends;
  }

  get names(): string[] {
    return this.profiles.map((t) => t.name);
  }

  has(name: string): boolean {
    return this.backends.has(name);
  }

  /** The backend of a tier named by a user or a record; unknown names are a user error. */
  backend(name: string): TierBackend {
    const backend = this.backends.get(name);
    if (!backend) throw invalidInput(`unknown tier '${name}'`, `use one of: ${this.names.join(', ')}`);
    return backend;
  }

  profile(name: string): TierProfile {
    const profile = this.profiles.find((t) => t.name === name);
    if (!profile) throw invalidInput(`unknown tier '${name}'`, `use one of: ${this.names.join(', ')}`);
    return profile;
  }
}
