// Registers every listener by its Slack name: the command, the block actions, the modal submission.
import type { App } from '@slack/bolt';
import type { SlackDeps } from '../context.ts';
import { ACTION, ANSWER_BUTTON, PICK_ACTION, VIEW } from '../ids.ts';
import { allCausesAction } from './actions/all-causes.ts';
import { answerAction } from './actions/answer.ts';
import { diagnoseRecordedAction } from './actions/diagnose-recorded.ts';
import { openTextAction } from './actions/open-text.ts';
import { pickCacheAction } from './actions/pick-cache.ts';
import { postmortemAction } from './actions/postmortem.ts';
import { rerunAction } from './actions/rerun.ts';
import { reviseAction } from './actions/revise.ts';
import { watchAction } from './actions/watch.ts';
import { keylossCommand } from './commands/keyloss.ts';
import { investigateShortcut, SHORTCUT } from './shortcuts/investigate.ts';
import { registerHome } from './home.ts';
import { textAnswerView } from './views/text-answer.ts';

export function registerListeners(app: App, deps: SlackDeps): void {
  app.command('/keyloss', keylossCommand(deps));
  app.shortcut({ type: 'message_action', callback_id: SHORTCUT }, investigateShortcut(deps));
  registerHome(app, deps);

  const answer = answerAction(deps);
  app.action({ type: 'block_actions', action_id: ANSWER_BUTTON }, answer);
  app.action({ type: 'block_actions', action_id: ACTION.answerSelect }, answer);
  app.action({ type: 'block_actions', action_id: ACTION.skip }, answer);
  app.action({ type: 'block_actions', action_id: ACTION.openText }, openTextAction(deps));
  app.action({ type: 'block_actions', action_id: PICK_ACTION }, pickCacheAction(deps));
  app.action({ type: 'block_actions', action_id: ACTION.rerun }, rerunAction(deps));
  app.action({ type: 'block_actions', action_id: ACTION.allCauses }, allCausesAction(deps));
  app.action({ type: 'block_actions', action_id: ACTION.postmortem }, postmortemAction(deps));
  app.action({ type: 'block_actions', action_id: ACTION.changeScope }, reviseAction(deps, ACTION.changeScope, 'scope', true));
  app.action({ type: 'block_actions', action_id: ACTION.narrowKey }, reviseAction(deps, ACTION.narrowKey, 'key', false));
  app.action({ type: 'block_actions', action_id: ACTION.watchLive }, watchAction(deps));
  app.action({ type: 'block_actions', action_id: ACTION.diagnoseRecorded }, diagnoseRecordedAction(deps));

  app.view({ type: 'view_submission', callback_id: VIEW.textAnswer }, textAnswerView(deps));
}
