// The terminal walkthrough: asks the runbook's questions, runs its checks against the cache, prints report and conclusion.
import type { AzureAccess } from '../azure/context.ts';
import type { RedisAuth } from '../azure/redis-login.ts';
import type { Config } from '../config/env.ts';
import { knownTier } from '../azure/tier.ts';
import { endSentence, printable } from '../domain/format.ts';
import { parseRedisUrl } from '../redis/url.ts';
import { renderText, verdictLines } from '../report/text.ts';
import { wrapLine } from '../report/wrap.ts';
import { PIPE_WIDTH } from './line-prompter.ts';
import { createEngine, type Engine, type Session } from '../runbook/engine.ts';
import type { QuestionNode, Runbook } from '../runbook/schema.ts';
import type { QuestionView, Reply } from './choices.ts';
import type { Prompter } from './prompter.ts';
import { answeredLine, conclusionLines, indent, progressLine } from './render.ts';
import type { Style } from './style.ts';
import { reachTarget, resolveTarget } from '../core/target.ts';
import { asksForDatabase, databaseProblem, targetDatabases } from '../core/databases.ts';
import { parseDbIndex } from '../runbook/formats.ts';
import { runCheckNode } from '../core/check-node.ts';

export interface WalkthroughOptions {
  runbook: Runbook;
  prompter: Prompter;
  style: Style;
  /** REDIS_URL, the caches file, the rates interval: parsed once by the command. */
  config: Config;
  /** How this process reaches Azure: the tier of a named cache, the Azure checks, Entra sign-in. */
  azure: AzureAccess;
  /** Aborted on Ctrl-C: ends a pending question and cancels running checks. */
  interrupted: AbortSignal;
  now?: () => Date;
  /** Columns to wrap the report at: the terminal's, 80 in a pipe. */
  width?: number;
  /** Answers given ahead (slot → raw text, from flags): those questions are not asked. */
  prefill?: Record<string, string>;
  /** How to sign in to a cache given as a URL (`--entra`); a named cache says so in the caches file. */
  urlAuth?: RedisAuth;
}

/** Asked when the checks could not reach the cache; not part of any runbook because it is about this terminal run. */
const AFTER_UNREACHABLE: QuestionNode = {
  kind: 'question',
  slot: 'after-unreachable',
  prompt: 'What now?',
  options: [
    { value: 'retry', label: 'Run the checks again' },
    { value: 'cache', label: 'Change the cache address' },
    { value: 'back', label: 'Go back and change the last answer' },
  ],
  next: 'unused',
};

const QUIT_WORDS: Record<1 | 130, string> = {
  130: 'Interrupted; nothing was changed on the cache.',
  1: 'The input ended before the runbook reached a conclusion.',
};

/** Runs the walkthrough to a conclusion; the exit code is 0 there, 130 on Ctrl-C, 1 when the input ends. */
export async function walkthrough(options: WalkthroughOptions): Promise<number> {
  const { runbook, prompter, style, config } = options;
  const now = options.now ?? (() => new Date());
  const engine = createEngine(runbook);
  const defaultUrl = config.redisUrl;
  // Registers the password of REDIS_URL as a secret before anything can print it.
  parseRedisUrl(defaultUrl);

  const quit = (code: 1 | 130): number => {
    prompter.say(['', QUIT_WORDS[code]]);
    return code;
  };

  prompter.say([
    style.bold(runbook.title),
    ...(runbook.description ? indent(runbook.description).map((l) => style.dim(l)) : []),
    style.dim('  At any question: b (back) undoes the last answer, s (skip) skips it when it can be skipped; Ctrl-C stops. keyloss only reads the cache.'),
  ]);

  const started = engine.start(now(), options.prefill ?? {});
  if (!started.ok) {
    prompter.say([style.red(started.error.message)]);
    return 1;
  }
  let session: Session = started.session;
  /** The verdict of the last checks, said after the conclusion so that it is the last thing on the screen. */
  let verdict: string[] = [];
  /** Confirms each answer a step took: the one just given, and any given ahead by flags that it passed. */
  /** Prints the answers given since `from`; `note` goes under the first of them, the one it is about. */
  const sayAnswers = (from: number, to: Session, note?: string) => {
    let pending = note;
    for (const entry of to.history.slice(from)) {
      const node = runbook.nodes[entry.node];
      if (node?.kind === 'question' && entry.value !== undefined) {
        prompter.say([answeredLine(node, entry.value, entry.skipped === true, style)]);
        if (pending !== undefined) prompter.say([style.dim(pending)]);
        pending = undefined;
      }
    }
  };
  sayAnswers(0, session);
  /** True right after "back", so a question answered automatically can be changed by hand. */
  let cameBack = false;
  /** True when the question's last answer was refused: it is asked again in place. */
  let again = false;

  for (;;) {
    const step = engine.current(session);
    if (step === null) {
      prompter.say([style.red(`The session left runbook ${runbook.id} at node "${session.node}".`)]);
      return 1;
    }

    if (step.kind === 'conclusion') {
      prompter.say([...conclusionLines(step.node, style), ...(verdict.length > 0 ? ['', ...verdict] : [])]);
      return 0;
    }

    if (step.kind === 'question') {
      const question = step.node;
      // A named cache's tier is known from the caches file or Azure: answered, not asked (unless the person came back to it).
      if (question.slot === 'tier' && !cameBack) {
        const known = await tierOfCache(session.answers.cache ?? defaultUrl, options);
        const result = known ? engine.answer(session, known.tier, now()) : null;
        if (known && result?.ok) {
          sayAnswers(session.history.length, result.session, `  (from ${known.source}; "back" to change it)`);
          session = result.session;
          continue;
        }
      }
      // A cache with only db 0 (a cluster, one that refuses SELECT) has no database to ask about.
      if (asksForDatabase(question) && !cameBack) {
        const only = await onlyDatabase(session.answers.cache ?? defaultUrl, options);
        const result = only !== null ? engine.answer(session, '0', now()) : null;
        if (only !== null && result?.ok) {
          sayAnswers(session.history.length, result.session, `  (the only database: this cache ${only}; "back" to change it)`);
          session = result.session;
          continue;
        }
      }
      cameBack = false;
      const view: QuestionView = {
        question,
        defaultText: question.text?.format === 'target' ? defaultUrl : null,
        canUndo: step.canUndo,
        again,
      };
      again = false;
      const reply = await prompter.ask(view);
      if (reply.kind === 'quit') return quit(reply.code);
      if (reply.kind === 'back') {
        const back = engine.back(session);
        cameBack = back.ok;
        if (back.ok) session = back.session;
        else prompter.say([style.yellow(back.error.message)]);
        continue;
      }
      if (reply.kind === 'answer' && question.text?.format === 'target') {
        // A cache name must name a cache in the caches file, and the cache must answer: find out now, while the
        // question is still open, and ask it again.
        const reached = await reachTarget(reply.text, { ...config, urlAuth: options.urlAuth ?? 'key' }, options.azure);
        if (!reached.ok) {
          prompter.say([style.yellow(printable(reached.reason))]);
          again = true;
          continue;
        }
      }
      if (reply.kind === 'answer' && asksForDatabase(question)) {
        // A db the cache does not have is refused here, and asked again, not after the questions that follow it.
        const problem = await dbAnswerProblem(session.answers.cache ?? defaultUrl, reply.text, options);
        if (problem !== null) {
          prompter.say([style.yellow(endSentence(printable(problem)))]);
          again = true;
          continue;
        }
      }
      const result = reply.kind === 'skip' ? engine.skip(session, now()) : engine.answer(session, reply.text, now());
      if (!result.ok) {
        prompter.say([style.yellow(result.error.message)]);
        again = true;
        continue;
      }
      sayAnswers(session.history.length, result.session);
      session = result.session;
      continue;
    }

    const checked = await checkNode(engine, session, options, now);
    if (checked.kind === 'quit') return quit(checked.code);
    if (checked.kind === 'back') {
      const back = engine.back(session);
      if (back.ok) session = back.session;
      cameBack = true;
      continue;
    }
    if (checked.kind === 'cache' || checked.kind === 'db') {
      // Back to that question in one step, however many answers came after it.
      const wanted = checked.kind === 'cache' ? isTargetQuestion : isDbQuestion;
      for (let back = engine.back(session); back.ok; back = engine.back(session)) {
        session = back.session;
        if (wanted(runbook, session.node)) break;
      }
      cameBack = true;
      continue;
    }
    if (checked.kind === 'retry') continue;
    if (checked.kind === 'broken') {
      prompter.say([style.red(printable(checked.message))]);
      return 1;
    }
    session = checked.session;
    verdict = checked.verdict;
  }
}

type ChecksOutcome =
  | { kind: 'found'; session: Session; verdict: string[] }
  | { kind: 'retry' }
  | { kind: 'back' }
  | { kind: 'cache' }
  | { kind: 'db' }
  | { kind: 'quit'; code: 1 | 130 }
  | { kind: 'broken'; message: string };

/** Runs the check node through the core service, printing each check as it finishes and then the report. */
async function checkNode(engine: Engine, session: Session, options: WalkthroughOptions, now: () => Date): Promise<ChecksOutcome> {
  const { prompter, style, config, interrupted } = options;
  // Checks skipped for one reason (no Azure resource) say it once.
  const said = new Set<string>();
  const result = await runCheckNode(
    {
      engine,
      session,
      targets: { ...config, urlAuth: options.urlAuth ?? 'key' },
      defaultTarget: config.redisUrl,
      azure: options.azure,
      // keyloss record's history of the cache, when a state Redis is configured (STATE_REDIS_URL).
      record: config.state.url ? { url: config.state.url, prefix: config.state.prefix } : null,
      rateIntervalMs: config.rateIntervalMs,
    },
    {
      onPlanned: ({ node }) => prompter.say(['', style.bold(node.title)]),
      onProgress: (progress) => {
        const repeated = progress.status !== 'running' && progress.detail !== undefined && said.has(progress.detail);
        if (progress.detail !== undefined && progress.status !== 'running') said.add(progress.detail);
        const line = progressLine(repeated ? { ...progress, detail: 'same reason as above' } : progress, style);
        // Continued under the check's title, past "  skipped " / "  ! ".
        if (line !== null) prompter.say(wrapLine(line, options.width ?? PIPE_WIDTH, style.enabled ? '    ' : ' '.repeat(10)));
      },
      now,
      signal: interrupted,
    },
  );
  if (result.ok) {
    const text = { color: style.enabled, width: options.width ?? PIPE_WIDTH };
    prompter.say(['', renderText(result.report, { ...text, layout: 'verdict-last' }).trimEnd()]);
    return { kind: 'found', session: result.session, verdict: verdictLines(result.report, text) };
  }
  switch (result.kind) {
    case 'interrupted':
      return { kind: 'quit', code: 130 };
    case 'no-such-db':
      // The db question is asked again: it is the answer that is wrong.
      prompter.say(['', style.yellow(endSentence(printable(result.sentence)))]);
      return { kind: 'db' };
    case 'invalid-url':
    case 'unreachable':
    case 'auth': {
      prompter.say(['', style.red(printable(result.sentence))]);
      const reply: Reply = await prompter.ask({ question: AFTER_UNREACHABLE, defaultText: null, canUndo: true });
      if (reply.kind === 'quit') return reply;
      if (reply.kind === 'back' || (reply.kind === 'answer' && reply.text === 'back')) return { kind: 'back' };
      if (reply.kind === 'answer' && reply.text === 'cache') return { kind: 'cache' };
      return { kind: 'retry' };
    }
    default:
      return { kind: 'broken', message: result.sentence };
  }
}

function isTargetQuestion(runbook: Runbook, id: string): boolean {
  const node = runbook.nodes[id];
  return node?.kind === 'question' && node.text?.format === 'target';
}

function isDbQuestion(runbook: Runbook, id: string): boolean {
  const node = runbook.nodes[id];
  return node?.kind === 'question' && node.text?.format === 'db-index';
}

/** Why the cache has only db 0 ("is a cluster", "refuses SELECT (…)"); null when it has more, or cannot be read now. */
async function onlyDatabase(answer: string, options: WalkthroughOptions): Promise<string | null> {
  const target = await resolveTarget(answer, { ...options.config, urlAuth: options.urlAuth ?? 'key' });
  if (!target.ok) return null;
  const databases = await targetDatabases(target.target, options.azure);
  return databases?.kind === 'one' ? databases.reason.replace(/^it /, '') : null;
}

/** The one rule's sentence for a typed db the cache does not have; null when it has it, or for the engine to refuse. */
async function dbAnswerProblem(answer: string, text: string, options: WalkthroughOptions): Promise<string | null> {
  const db = parseDbIndex(text);
  if (!db.ok) return null;
  const target = await resolveTarget(answer, { ...options.config, urlAuth: options.urlAuth ?? 'key' });
  return target.ok ? databaseProblem(target.target, db.db, options.azure) : null;
}

/** The tier of a named cache, from the caches file or its Azure resource; null for a URL or when neither says. */
async function tierOfCache(answer: string, options: WalkthroughOptions): Promise<Awaited<ReturnType<typeof knownTier>>> {
  const target = await resolveTarget(answer, options.config);
  if (!target.ok || target.target.cache === null) return null;
  return knownTier(target.target, options.azure);
}
