// Starts an investigation: the root message in the channel, the session in the store, then the first question or the checks.
import { knownTier } from '../../azure/tier.ts';
import type { CacheConfig } from '../../config/caches.ts';
import { answerLabel } from '../blocks/question.ts';
import { rootMessage } from '../blocks/root.ts';
import type { Client, SlackDeps } from '../context.ts';
import { INVESTIGATION_RECORD, threadKey, type AlertOrigin, type AnswerRecord, type Investigation } from '../investigation.ts';
import { postMessage } from '../post.ts';
import type { Session } from '../../runbook/engine.ts';
import type { Runbook } from '../../runbook/schema.ts';
import { answersFromCache, INFERRED_SLOTS, isOneShot } from '../../core/answers.ts';
import { databaseProblem } from '../../core/databases.ts';
import { targetOfCache } from '../../core/target.ts';
import { parseDbIndex } from '../../runbook/formats.ts';
import { continueInvestigation } from './continue.ts';
import { afterAck } from '../listeners/after-ack.ts';
import { rememberRecent } from '../home.ts';

export interface StartRequest {
  cache: CacheConfig;
  channel: string;
  user: string;
  /** Answers from the command text (slot → text). */
  prefill: Record<string, string>;
  /** Set when an Azure Monitor alert starts it: the root message is the alert's. */
  alert?: AlertOrigin;
  /** Run in this existing thread (its root's ts) rather than under a new root message. */
  thread?: string;
  /** Called with the root message's ts as soon as it is posted, before any question or check. */
  onRoot?: (rootTs: string) => Promise<void>;
}

/** `inCommandText`: the problem is in what was typed (show the usage), not in where it was typed. */
export type StartResult = { ok: true; rootTs: string } | { ok: false; reason: string; inCommandText: boolean };

/** History entries from `from` on, as timeline records (prefilled ones and the one just given). */
export function answerRecords(runbook: Runbook, session: Session, from: number, user: string | null, sources: Record<string, string> = {}): AnswerRecord[] {
  return session.history.slice(from).flatMap((entry): AnswerRecord[] => {
    const node = runbook.nodes[entry.node];
    if (node?.kind !== 'question' || entry.value === undefined) return [];
    const source = entry.prefilled ? sources[node.slot] : undefined;
    return [
      {
        node: entry.node,
        prompt: node.prompt,
        answer: answerLabel(node, entry.value, entry.skipped === true),
        user: entry.prefilled ? null : user,
        at: entry.at,
        prefilled: entry.prefilled === true,
        skipped: entry.skipped === true,
        ...(source !== undefined ? { source } : {}),
      },
    ];
  });
}

/** The one rule for the db a start gives (command text, caches file), as a refusal of the start; null when it holds. */
async function startDbProblem(deps: SlackDeps, cache: CacheConfig, db: string | undefined, source: string | undefined): Promise<StartResult | null> {
  const parsed = db !== undefined ? parseDbIndex(db) : null;
  if (!parsed?.ok || parsed.db === 0) return null;
  const target = targetOfCache(cache, deps.config.secrets);
  const problem = target.ok ? await databaseProblem(target.target, parsed.db, deps.azure) : null;
  if (problem === null) return null;
  if (source === 'the caches file') return { ok: false, reason: `${cache.name}'s db in the caches file: ${problem}. Fix it there, or give db N in the command.`, inCommandText: false };
  return { ok: false, reason: `${cache.name}: ${problem}. Give the database the application uses, or leave db out to take the one in the caches file.`, inCommandText: source === 'the command' };
}

export async function startInvestigation(client: Client, deps: SlackDeps, request: StartRequest): Promise<StartResult> {
  const { cache, channel, user } = request;
  // The caches file knows the tier and the application's database, Azure knows the tier of a cache with a resource;
  // the command text overrides them.
  const fromCache = answersFromCache(cache);
  const prefill: Record<string, string> = { ...fromCache, ...request.prefill, cache: cache.name };
  // Where each answer given ahead came from, for the postmortem's timeline.
  const given = request.alert ? 'the alert' : request.thread ? 'the message' : 'the command';
  const sources: Record<string, string> = {
    ...Object.fromEntries(Object.keys(fromCache).map((slot) => [slot, 'the caches file'])),
    ...Object.fromEntries(Object.keys(request.prefill).map((slot) => [slot, given])),
  };
  if (prefill.tier === undefined) {
    const known = await knownTier(cache, deps.azure);
    if (known) {
      prefill.tier = known.tier;
      sources.tier = 'Azure';
    }
  }
  // A db the cache does not have is said now, to the person who gave it, before anything is posted or run. (Slack
  // never asks for a db: it comes from the command text, else the caches file, whose default is 0.)
  const dbProblem = await startDbProblem(deps, cache, prefill.db, sources.db);
  if (dbProblem !== null) return dbProblem;
  const now = deps.now();
  // A start that names the key and since runs the checks at once; the rest is inferred, and can be changed on the verdict.
  const started = deps.engine.start(now, prefill, isOneShot(prefill) ? { infer: INFERRED_SLOTS } : {});
  if (!started.ok) return { ok: false, reason: started.error.message, inCommandText: true };

  let rootTs: string;
  let statusTs: string;
  try {
    // In someone else's thread (the message shortcut) the status goes in a reply keyloss owns; else it is the root.
    const status = rootMessage({ cache: cache.name, startedBy: user, alert: request.alert }, { kind: 'asking' });
    statusTs = await postMessage(client, channel, request.thread ?? null, status);
    rootTs = request.thread ?? statusTs;
  } catch (error) {
    const code = (error as { data?: { error?: string } }).data?.error;
    if (code === 'not_in_channel' || code === 'channel_not_found') {
      return { ok: false, reason: 'keyloss cannot post in this channel. Invite it first (/invite @keyloss), then try again.', inCommandText: false };
    }
    throw error;
  }
  const investigation: Investigation = {
    channel,
    rootTs,
    cache: cache.name,
    startedBy: user,
    startedAt: now.toISOString(),
    session: started.session,
    checkpoint: null,
    questionTs: null,
    answers: answerRecords(deps.engine.runbook, started.session, 0, user, sources),
    runs: [],
    progressTs: null,
    report: null,
    verdictTs: null,
    verdictUsed: [],
    unreachable: null,
    ...(request.alert ? { alert: request.alert } : {}),
    ...(statusTs !== rootTs ? { statusTs } : {}),
  };
  const put = await deps.store.put(threadKey(channel, rootTs), INVESTIGATION_RECORD, investigation, null, deps.config.sessionTtlMs);
  if (!put.ok) return { ok: false, reason: 'Another investigation already uses this thread.', inCommandText: false };
  await request.onRoot?.(rootTs);
  await rememberRecent(deps.store, user, { channel, rootTs }, deps.config.sessionTtlMs);
  deps.audit({ action: 'command', user, channel, thread: rootTs, cache: cache.name, prefilled: Object.keys(request.prefill) });
  // From here on the thread exists: a failure is said there, not only in the log.
  await afterAck(client, deps, { what: 'the investigation', user, channel, thread: rootTs }, () =>
    continueInvestigation(client, deps, channel, rootTs, user),
  );
  return { ok: true, rootTs };
}
