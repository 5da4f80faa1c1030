// Verdict buttons that change one answer and go on: "Re-run: most or all keys are gone" (the scope the checks
// inferred, changed and re-run at once) and "Narrow to a key" (the key question asked again; the rest is kept).
import type { SlackDeps } from '../../context.ts';
import { continueInvestigation } from '../../flow/continue.ts';
import { incidentKey } from '../../flow/checks.ts';
import { answerRecords } from '../../flow/start.ts';
import { useVerdictButton } from '../../flow/verdict-button.ts';
import { noticeMessage } from '../../blocks/notices.ts';
import { postEphemeral } from '../../post.ts';
import { stillRunningSentence } from '../../../state/inflight.ts';
import { updateInvestigation, type Investigation } from '../../investigation.ts';
import { afterClick } from '../after-ack.ts';
import { actionValue, clickPlace } from '../payload.ts';
import type { ActionArgs } from './answer.ts';

/** `slot` is reopened; with `answered`, the button's value answers it at once. */
export function reviseAction(deps: SlackDeps, action: string, slot: string, answered: boolean) {
  return async ({ ack, body, action: clicked, client }: ActionArgs): Promise<void> => {
    await ack();
    const place = clickPlace(body);
    const value = actionValue(clicked);
    if (!place || (answered && !value)) return;
    await afterClick(client, deps, place, `changing the ${slot}`, async () => {
      const status = await deps.inflight.status(incidentKey(place.channel, place.rootTs));
      if (status.status === 'running') {
        await postEphemeral(client, place.channel, place.user, place.rootTs, noticeMessage(':hourglass_flowing_sand:', stillRunningSentence(status)));
        return;
      }
      // The answer is checked against the checkpoint before the button is claimed: a value the question does not
      // take is refused without using the button up.
      const now = deps.now();
      const revised = (inv: Investigation) => {
        if (!inv.checkpoint) return { ok: false as const, problem: 'There is nothing to change yet: the checks have not run.' };
        const reopened = deps.engine.reopen(inv.checkpoint, slot);
        const moved = reopened.ok && answered ? deps.engine.answer(reopened.session, value!, now) : reopened;
        if (!moved.ok) return { ok: false as const, problem: moved.error.message };
        return { ok: true as const, session: moved.session, from: reopened.ok ? reopened.session.history.length : moved.session.history.length };
      };
      const inv = await useVerdictButton(client, deps, place, action, {
        validate: (current) => {
          const next = revised(current);
          return next.ok ? null : next.problem;
        },
        work: async (current) => {
          const next = revised(current);
          if (!next.ok) throw new Error(next.problem);
          const saved = await updateInvestigation(deps.store, place.channel, place.rootTs, deps.config.sessionTtlMs, (latest) => ({
            ...latest,
            session: next.session,
            answers: [...latest.answers, ...answerRecords(deps.engine.runbook, next.session, next.from, place.user)],
            questionTs: null,
          }));
          if (!saved.ok) throw new Error(saved.reason);
        },
      });
      if (!inv) return;
      deps.audit({ action: 'revise', user: place.user, channel: place.channel, thread: place.rootTs, cache: inv.cache, slot, ...(answered ? { value } : {}) });
      await continueInvestigation(client, deps, place.channel, place.rootTs, place.user);
    });
  };
}
