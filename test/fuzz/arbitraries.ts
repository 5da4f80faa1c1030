// Hostile user text for property tests: Slack control sequences, globs, huge strings, line breaks, any unicode.
import fc from 'fast-check';

/** Pieces Slack would turn into mentions, links or formatting if they reached mrkdwn unescaped. */
export const SLACK_CONTROL = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<@U0123ABCD>',
  '<#C0123ABCD|general>',
  '<!subteam^S0123|@oncall>',
  '<https://evil.example|click me>',
  '<mailto:a@b.c>',
  '&lt;!channel&gt;',
  '&amp;',
  '*bold* _it_ ~strike~ `code` ```block```',
  '> quote',
];

export const GLOB = ['*', '?', '[a-z]', '[^0-9]', '\\*', 'session:*', '{a,b}', '**', '[', ']'];

const piece = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 3, arbitrary: fc.constantFrom(...SLACK_CONTROL) },
  { weight: 2, arbitrary: fc.constantFrom(...GLOB) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom('\n', '\r\n', '\t', '\u0000', '\u2028', '"', "'", ' since ', ' db ', ' tier ', ' scope ') },
  { weight: 1, arbitrary: fc.constantFrom('since', 'db', 'tier', 'scope', 'help', '2h', '15m', '1d', '2026-11-26T05:00Z', '3', 'premium', 'partial') },
);

/** Text a person (or an attacker) might type into the slash command or a modal. */
export const userText = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.array(piece, { maxLength: 12 }), fc.boolean()).map(([parts, spaced]) => parts.join(spaced ? ' ' : '')) },
  { weight: 1, arbitrary: fc.string({ minLength: 9_990, maxLength: 10_010 }) },
  { weight: 1, arbitrary: fc.constantFrom(...SLACK_CONTROL).map((c) => c.repeat(400)) },
);

/** Every `<!…>` or `<@…>` in Slack JSON, except mentions of the ids the app itself put there. */
export function injectedControls(json: string, allowedMentions: readonly string[] = []): string[] {
  let rest = json;
  for (const id of allowedMentions) rest = rest.split(`<@${id}>`).join('');
  return rest.match(/<[!@][^>]{0,40}/g) ?? [];
}
