// `keyloss start` / `npm start`: the Slack app when SLACK_BOT_TOKEN is set, the terminal walkthrough otherwise.
import type { Deps } from '../config/deps.ts';
import { describeError } from '../redact.ts';

export async function run(argv: string[], deps: Deps): Promise<number> {
  if (!process.env.SLACK_BOT_TOKEN?.trim()) {
    const walk = await import('./walk.ts');
    return walk.run(argv, deps);
  }
  let slack: typeof import('../slack/main.ts');
  try {
    slack = await import('../slack/main.ts');
  } catch (error) {
    process.stderr.write(
      `keyloss start: SLACK_BOT_TOKEN is set, but the Slack app could not be loaded: ${describeError(error)}\n` +
        'Unset SLACK_BOT_TOKEN to use the terminal walkthrough (or run `keyloss walk`).\n',
    );
    return 1;
  }
  return slack.run(deps);
}
