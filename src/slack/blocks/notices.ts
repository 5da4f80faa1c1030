// Short ephemeral and thread notices: usage, refusals, no caches, the cache picker, failures.
import { endSentence } from '../../domain/format.ts';
import type { CacheConfig } from '../../config/caches.ts';
import { USAGE } from '../command-text.ts';
import { ACTION, pickBlockId } from '../ids.ts';
import { escapeMrkdwn } from './escape.ts';
import { button, context, message, plain, section, type SlackMessage } from './message.ts';

export function usageMessage(problem: string | null, cacheNames: readonly string[]): SlackMessage {
  const lines = [
    problem ? `:warning: ${escapeMrkdwn(endSentence(problem))}` : '*keyloss* finds out why keys vanished from a Redis cache.',
    `Usage: \`${USAGE}\``,
    'Examples: `/keyloss orders-prod session:17 since 2h`, `/keyloss orders-prod "cart:*" db 3 tier premium scope complete`',
    cacheNames.length > 0 ? `Caches: ${cacheNames.map((n) => `\`${escapeMrkdwn(n)}\``).join(', ')}` : 'No caches are configured yet.',
  ];
  return message(problem ? `keyloss: ${problem}` : `Usage: ${USAGE}`, [section(lines.join('\n'))]);
}

export function refusalMessage(reason: string): SlackMessage {
  return message(reason, [section(`:no_entry: ${escapeMrkdwn(reason)}`)]);
}

export function noCachesMessage(reason: string): SlackMessage {
  const text =
    'No caches are configured for keyloss in Slack, so there is nothing to diagnose here. ' +
    'An admin adds them to the caches file (keyloss.caches.yaml, or the path in KEYLOSS_CACHES) with the URL in an environment variable. ' +
    'Connection strings are never accepted in Slack.';
  return message(text, [section(`:information_source: ${text}`), context(escapeMrkdwn(reason))]);
}

/** The caches this person may use, as buttons (up to 5) or a select. */
export function cachePickerMessage(caches: readonly CacheConfig[], pendingId: string): SlackMessage {
  const described = caches.map((c) => `*${escapeMrkdwn(c.name)}*${c.description ? ` — ${escapeMrkdwn(c.description)}` : ''}`);
  const elements =
    caches.length <= 5
      ? caches.map((c, i) => button(`${ACTION.pickCache}.${i}`, c.name, c.name))
      : [
          {
            type: 'static_select' as const,
            action_id: ACTION.pickCache,
            placeholder: plain('Pick a cache'),
            options: caches.map((c) => ({ text: plain(c.name), value: c.name })),
          },
        ];
  return message('Which cache lost keys?', [
    section(`*Which cache lost keys?*\n${described.join('\n')}`),
    { type: 'actions', block_id: pickBlockId(pendingId), elements },
  ]);
}

export function noticeMessage(icon: string, text: string): SlackMessage {
  return message(text, [section(`${icon} ${escapeMrkdwn(text)}`)]);
}

/** Said to whoever clicks in a thread whose investigation is gone: expired, or its record unreadable and removed. */
export function expiredMessage(): SlackMessage {
  return noticeMessage(':hourglass:', 'This investigation has expired. Start a new one with /keyloss.');
}
