// Applies one answer (a button, a select, "not sure" or typed text) to a thread's session, exactly once.
import { userAllowed } from '../access.ts';
import { answerLabel, answeredMessage } from '../blocks/question.ts';
import { expiredMessage, noticeMessage, refusalMessage } from '../blocks/notices.ts';
import { cacheNamed, type Client, type SlackDeps } from '../context.ts';
import { loadInvestigation, updateInvestigation } from '../investigation.ts';
import { postEphemeral, updateMessage } from '../post.ts';
import { requester } from '../usergroups.ts';
import { withClaim } from '../../state/store.ts';
import type { Session } from '../../runbook/engine.ts';
import { answerRecords } from './start.ts';
import { continueInvestigation } from './continue.ts';

export interface AnswerClick {
  channel: string;
  channelName: string | null;
  rootTs: string;
  /** The question message, updated to show the answer. */
  questionTs: string;
  node: string;
  /** Answers in the session when the question was asked. */
  step: number;
  user: string;
  /** An option value or typed text; null means "skip". */
  value: string | null;
}

/** May this user act in this investigation? Posts the refusal when not. */
export async function checkUser(client: Client, deps: SlackDeps, cacheName: string, click: { channel: string; channelName: string | null; rootTs: string; user: string }): Promise<boolean> {
  const cache = cacheNamed(deps, cacheName);
  if (!cache) {
    await postEphemeral(client, click.channel, click.user, click.rootTs, noticeMessage(':warning:', `The cache ${cacheName} is no longer configured.`));
    return false;
  }
  const who = await requester(client, [cache], { userId: click.user, channelId: click.channel, channelName: click.channelName }, (reason) =>
    deps.audit({ action: 'error', user: click.user, channel: click.channel, cache: cacheName, error: reason }),
  );
  if (userAllowed(cache, who)) return true;
  deps.audit({ action: 'refused', user: click.user, channel: click.channel, thread: click.rootTs, cache: cacheName, what: 'click' });
  await postEphemeral(client, click.channel, click.user, click.rootTs, refusalMessage(`Only the people allowed to diagnose ${cacheName} can answer here.`));
  return false;
}

export async function applyAnswer(client: Client, deps: SlackDeps, click: AnswerClick): Promise<void> {
  const inv = await loadInvestigation(deps.store, click.channel, click.rootTs);
  if (!inv) {
    await postEphemeral(client, click.channel, click.user, click.rootTs, expiredMessage());
    return;
  }
  if (!(await checkUser(client, deps, inv.cache, click))) return;
  const key = `answer:${click.channel}:${click.rootTs}:${click.node}:${click.step}`;
  const ttl = deps.config.sessionTtlMs;
  // Validated before the one-time claim: a value that is not among the options, or a question already moved past,
  // is refused without using the claim up, so the next click on the question still counts.
  let problem: string | null = check(deps, inv.session, click).problem;
  if (problem !== null) {
    await postEphemeral(client, click.channel, click.user, click.rootTs, noticeMessage(':information_source:', problem));
    return;
  }
  let answered: { prompt: string; label: string } | null = null;
  // The first click on a question wins; a double click or a retried request finds the claim taken and does nothing.
  // A state write that fails gives the claim back (withClaim), so the question is never stuck.
  const claimed = await withClaim(deps.store, key, ttl, async () => {
    const updated = await updateInvestigation(deps.store, click.channel, click.rootTs, ttl, (current) => {
      const checked = check(deps, current.session, click);
      problem = checked.problem;
      if (checked.next === null) return null;
      const records = answerRecords(deps.engine.runbook, checked.next, click.step, click.user);
      const own = records[0];
      const node = deps.engine.runbook.nodes[click.node];
      if (own && node?.kind === 'question') {
        // What the person picked or typed, before the engine normalised it (`1h` is stored as an ISO time).
        own.answer = answerLabel(node, click.value ?? '', click.value === null);
        answered = { prompt: own.prompt, label: own.answer };
      }
      return { ...current, session: checked.next, answers: [...current.answers, ...records], questionTs: null };
    });
    if (!updated.ok) throw new Error(updated.reason);
  });
  if (!claimed) return;
  if (problem !== null) {
    await postEphemeral(client, click.channel, click.user, click.rootTs, noticeMessage(':information_source:', problem));
    return;
  }
  const node = deps.engine.runbook.nodes[click.node];
  if (node?.kind === 'question' && answered !== null) {
    await updateMessage(client, click.channel, click.questionTs, answeredMessage(node, (answered as { label: string }).label, click.user));
  }
  deps.audit({
    action: click.value === null ? 'skip' : 'answer',
    user: click.user,
    channel: click.channel,
    thread: click.rootTs,
    cache: inv.cache,
    question: click.node,
  });
  await continueInvestigation(client, deps, click.channel, click.rootTs, click.user);
}

/** Whether `click` answers the question `session` is asking, and the session it leads to; pure. */
function check(deps: SlackDeps, session: Session, click: AnswerClick): { problem: string | null; next: Session | null } {
  if (session.node !== click.node || session.history.length !== click.step || session.status !== 'asking') {
    return { problem: 'That question was already answered.', next: null };
  }
  const now = deps.now();
  const next = click.value === null ? deps.engine.skip(session, now) : deps.engine.answer(session, click.value, now);
  return next.ok ? { problem: null, next: next.session } : { problem: next.error.message, next: null };
}
