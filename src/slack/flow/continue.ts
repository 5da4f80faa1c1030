// After the session moved: ask the next question in the thread, or run the checks.
import type { Conclusion } from '../blocks/verdict.ts';
import { noticeMessage } from '../blocks/notices.ts';
import { questionMessage } from '../blocks/question.ts';
import type { Client, SlackDeps } from '../context.ts';
import { loadInvestigation, updateInvestigation, type Investigation } from '../investigation.ts';
import { postMessage } from '../post.ts';
import { checkIncident } from './checks.ts';

export function conclusionOf(deps: SlackDeps, inv: Investigation): Conclusion | null {
  const step = deps.engine.current(inv.session);
  return step?.kind === 'conclusion' ? { title: step.node.title, body: step.node.body, watch: deps.engine.runbook.watch ?? null } : null;
}

export async function continueInvestigation(client: Client, deps: SlackDeps, channel: string, rootTs: string, user: string): Promise<void> {
  const inv = await loadInvestigation(deps.store, channel, rootTs);
  if (!inv) return;
  const step = deps.engine.current(inv.session);
  if (step === null) {
    await postMessage(client, channel, rootTs, noticeMessage(':warning:', 'This investigation no longer fits the runbook (it changed since). Start again with /keyloss.'));
    return;
  }
  if (step.kind === 'question') {
    const questionTs = await postMessage(client, channel, rootTs, questionMessage(step.id, step.node, inv.session.history.length));
    await updateInvestigation(deps.store, channel, rootTs, deps.config.sessionTtlMs, (current) => ({ ...current, questionTs }));
    return;
  }
  if (step.kind === 'check') await checkIncident(client, deps, channel, rootTs, user);
}
