// How `keyloss record` says what it records in Slack: a Speaker (src/record/announce.ts) on the Web API with the bot
// token, posting in each cache's alert channel at most about once a second per channel (Slack's posting limit), and
// editing a burst's message in place.
import { webApi } from '@slack/bolt';
import type { Announcement, Said, Speaker } from '../record/announce.ts';
import type { RecordedWords } from '../runbook/schema.ts';
import { recordedMessage } from './blocks/recorded.ts';
import { createSlackTransport, RETRY } from './transport.ts';

/** chat.postMessage allows about one message a second per channel. */
const POST_GAP_MS = 1_100;

export interface RecordSpeakerSettings {
  botToken: string;
  apiUrl: string | null;
  slackTimeoutMs: number;
}

/** The speaker of a recorder process; `write` gets the transport's lines (Slack unreachable, and back). */
export function slackSpeaker(settings: RecordSpeakerSettings, words: RecordedWords, write: (line: string) => void): Speaker {
  const transport = createSlackTransport({ apiUrl: settings.apiUrl, timeoutMs: settings.slackTimeoutMs, write });
  // Few retries here: the announcer tries again under its claim, and a recorder must not hold a post for half an hour.
  const client = new webApi.WebClient(settings.botToken, { ...transport.clientOptions(), retryConfig: { ...RETRY, retries: 2 }, logger: quiet() });
  const lastPost = new Map<string, Promise<number>>();

  /** Posts in a channel one after another, POST_GAP_MS apart. */
  const paced = <T>(channel: string, work: () => Promise<T>): Promise<T> => {
    const previous = lastPost.get(channel) ?? Promise.resolve(0);
    const run = previous.then(async (at) => {
      const wait = at + POST_GAP_MS - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      return work();
    });
    lastPost.set(
      channel,
      run.then(
        () => Date.now(),
        () => Date.now(),
      ),
    );
    return run;
  };

  return {
    post(announcement: Announcement): Promise<Said> {
      return paced(announcement.channel, async () => {
        const msg = recordedMessage(announcement, words);
        const res = await client.chat.postMessage({ channel: announcement.channel, text: msg.text, blocks: msg.blocks, metadata: msg.metadata, unfurl_links: false, unfurl_media: false });
        if (!res.ts) throw new Error(`chat.postMessage to ${announcement.channel} returned no ts`);
        return { channel: res.channel ?? announcement.channel, ts: res.ts };
      });
    },
    async update(said: Said, announcement: Announcement): Promise<void> {
      const msg = recordedMessage(announcement, words);
      await client.chat.update({ channel: said.channel, ts: said.ts, text: msg.text, blocks: msg.blocks, metadata: msg.metadata });
    },
  };
}

function quiet(): webApi.Logger {
  const nothing = (): void => undefined;
  return { debug: nothing, info: nothing, warn: nothing, error: nothing, setLevel: nothing, getLevel: () => webApi.LogLevel.ERROR, setName: nothing };
}
