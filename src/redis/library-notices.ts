// ioredis writes a few notices of its own with console.warn ("[WARN] This Redis server's `default` user does not
// require a password, but a password was supplied"): library text in keyloss's output, once per connection. Each is
// said once per process in keyloss's words instead; anything else written with console.warn passes through.
const NOTICES: readonly (readonly [RegExp, string])[] = [
  [
    /^\[WARN\] (This )?Redis server('s `default` user)? does not require a password/,
    'the Redis server needs no password, so the one given was not used (is it the server you meant?)',
  ],
  [
    /^\[ERROR\] The server returned "wrong number of arguments for 'auth' command"/,
    'the Redis server (version 5 or older) takes a password without a user name: leave the user name out of the URL',
  ],
];

/** Routes ioredis's notices to `say`, each once; returns what undoes it. */
export function sayLibraryNotices(say: (line: string) => void): () => void {
  const original = console.warn;
  const said = new Set<string>();
  console.warn = (...args: unknown[]) => {
    const first = args[0];
    const notice = typeof first === 'string' ? NOTICES.find(([pattern]) => pattern.test(first)) : undefined;
    if (!notice) {
      original(...args);
      return;
    }
    if (said.has(notice[1])) return;
    said.add(notice[1]);
    say(notice[1]);
  };
  return () => {
    console.warn = original;
  };
}
