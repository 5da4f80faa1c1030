// What every Slack handler works with: config, state, caches, the runbook engine, the audit log and the clock.
import type { webApi } from '@slack/bolt';
import type { AzureAccess } from '../azure/context.ts';
import type { CacheConfig, CachesResult } from '../config/caches.ts';
import type { SlackConfig } from '../config/env.ts';
import type { Engine } from '../runbook/engine.ts';
import type { InFlightRegistry } from '../state/inflight.ts';
import type { StateStore } from '../state/store.ts';
import type { RecordStore } from '../record/check.ts';
import type { Audit } from './audit.ts';
import type { LiveWatches } from './watches.ts';
import { findCache } from '../config/caches.ts';

export interface SlackDeps {
  config: SlackConfig;
  store: StateStore;
  caches: CachesResult;
  /** How this process reaches Azure. */
  azure: AzureAccess;
  engine: Engine;
  audit: Audit;
  now: () => Date;
  /** Which replica runs which incident's checks, so another replica can tell "still running" from "lost". */
  inflight: InFlightRegistry;
  /** keyloss's record of the caches (the state Redis), read by every investigation; null without a state Redis. */
  record: RecordStore | null;
  /** The "Watch live" runs on this replica, ended early (and waited for) when the app stops. */
  watches: LiveWatches;
}

export type Client = webApi.WebClient;

/** A configured cache by name; undefined when the file has none by that name (or there is no file). */
export function cacheNamed(deps: SlackDeps, name: string): CacheConfig | undefined {
  return deps.caches.ok ? findCache(deps.caches.caches, name) : undefined;
}

export function cacheList(deps: SlackDeps): CacheConfig[] {
  return deps.caches.ok ? deps.caches.caches : [];
}
