// Makes user and server text inert in mrkdwn: no <!channel>, no fake links, no user mentions.

/** Escapes `&`, `<` and `>` (and nothing else, as Slack asks). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Inline code for a key or pattern; backticks inside cannot close it early. */
export function code(text: string): string {
  return '`' + escapeMrkdwn(text).replace(/`/g, "'") + '`';
}

/** A user mention from a Slack user id (ids are not user-controlled text, but are checked anyway). */
export function mention(userId: string): string {
  return /^[UW][A-Z0-9]+$/.test(userId) ? `<@${userId}>` : escapeMrkdwn(userId);
}
