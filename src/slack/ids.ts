// Action ids, callback ids and block ids the app sends and listens for, in one place.
import { z } from 'zod';

/** Shapes of the ids Slack sends; anything else (forged, truncated, oversized) is not something keyloss acts on. */
export const SlackIds = {
  user: z.string().regex(/^[UW][A-Z0-9]{1,40}$/),
  channel: z.string().regex(/^[CDG][A-Z0-9]{1,40}$/),
  ts: z.string().regex(/^\d{1,12}\.\d{1,9}$/),
};

export const ACTION = {
  /** An option button: `keyloss.answer.<index>` (action ids must differ inside one actions block). */
  answerPrefix: 'keyloss.answer.',
  answerSelect: 'keyloss.answer_select',
  skip: 'keyloss.skip',
  openText: 'keyloss.open_text',
  pickCache: 'keyloss.pick_cache',
  rerun: 'keyloss.rerun',
  allCauses: 'keyloss.all_causes',
  postmortem: 'keyloss.postmortem',
  /** On a verdict whose scope was inferred: re-run with the other scope (the button's value). */
  changeScope: 'keyloss.change_scope',
  /** On a verdict for a pattern (an alert's `*`): ask for one key and re-run. */
  narrowKey: 'keyloss.narrow_key',
  /** Under a verdict, and on a watch's result: watch what is being removed now (keyloss watch) and post it in the thread. */
  watchLive: 'keyloss.watch_live',
  /** App Home: start an investigation of the cache named by the button's value. */
  homeStart: 'keyloss.home_start',
  /** On a message keyloss record posted: run the checks in its thread, prefilled from the recorded event. */
  diagnoseRecorded: 'keyloss.diagnose_recorded',
} as const;

export const ANSWER_BUTTON = /^keyloss\.answer\.\d+$/;

/** The metadata event type of a verdict message, for whatever reads the channel (and for the thread's own history). */
export const REPORT_EVENT = 'keyloss_report';

/** The metadata event type of a message keyloss record posted about a recorded event. */
export const RECORDED_EVENT = 'keyloss_recorded';

export const VIEW = { textAnswer: 'keyloss.text_answer', homeStart: 'keyloss.home_start' } as const;

export const TEXT_INPUT = { block: 'answer', action: 'value' } as const;

/** The block id of a question's actions: which node, at which step, so a stale or repeated click is recognised. */
export function questionBlockId(node: string, step: number): string {
  return `q|${node}|${step}`;
}

export function parseQuestionBlockId(blockId: string): { node: string; step: number } | null {
  const m = /^q\|([a-z][a-z0-9-]*)\|(\d+)$/.exec(blockId);
  return m ? { node: m[1]!, step: Number(m[2]) } : null;
}

export function pickBlockId(pendingId: string): string {
  return `pick|${pendingId}`;
}

export function parsePickBlockId(blockId: string): string | null {
  const m = /^pick\|([A-Za-z0-9._-]{1,200})$/.exec(blockId);
  return m ? m[1]! : null;
}

/** A cache button in the picker: `keyloss.pick_cache.<index>`, or the select when there are more than five. */
export const PICK_ACTION = /^keyloss\.pick_cache(\.\d+)?$/;
