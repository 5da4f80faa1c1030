// `keyloss demo`: a throwaway redis-server of its own, one staged incident, and the walkthrough (or the diagnose JSON,
// or the Slack verdict's blocks) against it; says which cause was staged and stops the server, also on Ctrl-C.
import { azureAccessOf, type Deps } from '../config/deps.ts';
import { formatInstant } from '../domain/format.ts';
import { loadConfig, type Config } from '../config/env.ts';
import { INFERRED_SLOTS, type FlagSpec } from '../core/answers.ts';
import { runCheckNode } from '../core/check-node.ts';
import { flagUsage, HELP_FLAG, readFlags } from '../core/flags.ts';
import { findRedisServer, NO_REDIS_SERVER, startThrowawayServer, type ThrowawayServer } from '../demo/server.ts';
import { DEMO_CAUSES, isDemoCause, serverArgs, stageIncident, type DemoCause, type StagedIncident } from '../demo/stage.ts';
import { describeError, redact } from '../redact.ts';
import { createEngine } from '../runbook/engine.ts';
import { wrapLine } from '../report/wrap.ts';
import { loadDefaultRunbook } from '../runbook/load.ts';
import type { Runbook } from '../runbook/schema.ts';
import { verdictMessage } from '../slack/blocks/verdict.ts';
import { createLinePrompter, PIPE_WIDTH } from '../terminal/line-prompter.ts';
import type { Prompter } from '../terminal/prompter.ts';
import { colourWanted, createStyle } from '../terminal/style.ts';
import { createTtyPrompter } from '../terminal/tty-prompter.ts';
import { walkthrough } from '../terminal/walkthrough.ts';

const DEMO_FLAGS: readonly FlagSpec[] = [
  { name: '--cause', value: '<cause>', help: `the incident to stage: ${DEMO_CAUSES.join(', ')} (default: one at random)` },
  { name: '--ask', value: null, help: 'ask the walkthrough\'s questions (key, db, since, …) instead of answering them for you' },
  { name: '--json', value: null, help: 'print the diagnosis as keyloss diagnose --json does, instead of the walkthrough' },
  { name: '--slack', value: null, help: 'print the verdict\'s Slack message (text and Block Kit blocks) as JSON, instead of the walkthrough' },
  HELP_FLAG,
];

const USAGE = `usage: keyloss demo [options]

For trying keyloss without a broken cache at hand: starts a throwaway redis-server of its own (from PATH) on a free
port of 127.0.0.1, stages one incident in it (keys lost to one cause), runs the walkthrough against it, says which
cause was staged, and stops the server. It never connects to any other Redis.

${flagUsage(DEMO_FLAGS)}

Exit status: 0 the demo ran to its verdict, 2 bad arguments, 3 no redis-server on PATH (or it would not start),
130 Ctrl-C, 1 anything else.
`;

type Output = 'walk' | 'json' | 'slack';

interface DemoArgs {
  help: boolean;
  cause: DemoCause | null;
  output: Output;
  ask: boolean;
}

export function parseDemoArgs(argv: readonly string[]): { ok: true; args: DemoArgs } | { ok: false; message: string } {
  const read = readFlags(argv, DEMO_FLAGS);
  if (!read.ok) return read;
  const { values } = read;
  const cause = values['--cause'];
  if (typeof cause === 'string' && !isDemoCause(cause.trim())) {
    return { ok: false, message: `--cause: "${redact(cause.slice(0, 40))}" is not an incident the demo stages; one of: ${DEMO_CAUSES.join(', ')}` };
  }
  const json = values['--json'] === true;
  const slack = values['--slack'] === true;
  const ask = values['--ask'] === true;
  if (json && slack) return { ok: false, message: '--json and --slack both choose the output: give one' };
  if (ask && (json || slack)) return { ok: false, message: `--ask walks the questions in the terminal; it does not go with ${json ? '--json' : '--slack'}` };
  return {
    ok: true,
    args: {
      help: values['--help'] === true,
      cause: typeof cause === 'string' ? (cause.trim() as DemoCause) : null,
      output: json ? 'json' : slack ? 'slack' : 'walk',
      ask,
    },
  };
}

function pickCause(): DemoCause {
  return DEMO_CAUSES[Math.floor(Math.random() * DEMO_CAUSES.length)] ?? 'eviction';
}

/** The answers the demo gives for the person (the cache always: its port is the demo's own). */
function demoAnswers(server: ThrowawayServer, incident: StagedIncident, ask: boolean): Record<string, string> {
  const cache = { cache: server.url };
  if (ask) return cache;
  return { ...cache, key: incident.key, db: String(incident.db), since: incident.since.toISOString() };
}

export async function run(argv: string[], deps: Deps): Promise<number> {
  const parsed = parseDemoArgs(argv);
  if (!parsed.ok) {
    process.stderr.write(`keyloss demo: ${parsed.message}\n`);
    return 2;
  }
  const { args } = parsed;
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const configured = loadConfig();
  if (!configured.ok) {
    process.stderr.write(`keyloss demo: ${redact(configured.reason)}\n`);
    return 2;
  }
  const binary = findRedisServer(process.env.PATH);
  if (binary === null) {
    process.stderr.write(`keyloss demo: ${NO_REDIS_SERVER}\n`);
    return 3;
  }
  // Progress goes where the output is not: with --json or --slack, stdout is one JSON document. Wrapped as the report is.
  const out = args.output === 'walk' ? process.stdout : process.stderr;
  const say = (text: string) => out.write(`${text.split('\n').flatMap((line) => (line === '' ? [''] : wrapLine(line, widthOf(out)))).join('\n')}\n`);
  const cause = args.cause ?? pickCause();

  let server: ThrowawayServer | null = null;
  const interrupt = new AbortController();
  let walking = false;
  // Ctrl-C: the walkthrough stops at once and the server is stopped on the way out; before the walkthrough (while
  // staging) the server is stopped here. A second Ctrl-C kills it and leaves.
  const onSigint = () => {
    if (interrupt.signal.aborted) {
      server?.kill();
      process.exit(130);
    }
    interrupt.abort();
    if (!walking) {
      void (server?.stop() ?? Promise.resolve()).finally(() => {
        say('Interrupted; the demo\'s redis-server was stopped.');
        process.exit(130);
      });
    }
  };
  const onExit = () => server?.kill();
  process.on('SIGINT', onSigint);
  process.on('exit', onExit);
  try {
    say(`keyloss demo: starting a throwaway redis-server (${binary}) on 127.0.0.1…`);
    try {
      server = await startThrowawayServer(binary, serverArgs(cause));
    } catch (error) {
      process.stderr.write(`keyloss demo: ${describeError(error)}\n`);
      return 3;
    }
    say(`keyloss demo: staging an incident on ${server.url} (which one is told at the end)…`);
    const incident = await stageIncident(cause, server);
    try {
      const config: Config = { ...configured.config, redisUrl: server.url, state: { ...configured.config.state, url: null } };
      const runbook = await loadDefaultRunbook();
      const code =
        args.output === 'walk'
          ? await walkDemo(runbook, config, deps, server, incident, args.ask, interrupt.signal, (on) => {
              walking = on;
            })
          : await printDemo(runbook, config, deps, server, incident, args.output);
      if (code === 0 || code === 1) say(stagedLines(incident));
      return code;
    } finally {
      await incident.close();
    }
  } catch (error) {
    process.stderr.write(`keyloss demo: ${describeError(error)}\n`);
    return 1;
  } finally {
    await server?.stop();
    process.off('SIGINT', onSigint);
    process.off('exit', onExit);
  }
}

/** The terminal's columns, or the pipe's width. */
function widthOf(stream: NodeJS.WriteStream): number {
  return stream.isTTY && stream.columns ? stream.columns : PIPE_WIDTH;
}

function stagedLines(incident: StagedIncident): string {
  return `\nThe demo staged: ${incident.cause}. ${incident.how}\nThe demo's redis-server is stopped. On your own cache: keyloss walk (or keyloss diagnose --key <key> --json).`;
}

async function walkDemo(
  runbook: Runbook,
  config: Config,
  deps: Deps,
  server: ThrowawayServer,
  incident: StagedIncident,
  ask: boolean,
  interrupted: AbortSignal,
  setWalking: (on: boolean) => void,
): Promise<number> {
  const at = formatInstant(incident.since, deps.now());
  const intro = ask
    ? `The application misses ${incident.key} in db ${incident.db}; it was last seen at ${at}. Answer the questions as its on-call engineer would.`
    : 'The demo answers the questions for you (keyloss walk asks them; keyloss demo --ask too).';
  process.stdout.write(`${wrapLine(intro, widthOf(process.stdout)).join('\n')}\n\n`);
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const style = createStyle(colourWanted(process.stdout.isTTY === true, config.noColor));
  const prompter: Prompter = interactive
    ? createTtyPrompter(process.stdin, process.stdout, style)
    : createLinePrompter(process.stdin, process.stdout, style, interrupted);
  setWalking(true);
  try {
    return await walkthrough({
      runbook,
      prompter,
      style,
      config,
      azure: azureAccessOf(config, deps),
      now: deps.now,
      interrupted,
      prefill: demoAnswers(server, incident, ask),
      infer: ask ? [] : INFERRED_SLOTS,
      width: interactive && process.stdout.columns ? process.stdout.columns : PIPE_WIDTH,
    });
  } finally {
    setWalking(false);
    prompter.close();
  }
}

/** The diagnosis as diagnose --json prints it, or the verdict's Slack message, on stdout. */
async function printDemo(runbook: Runbook, config: Config, deps: Deps, server: ThrowawayServer, incident: StagedIncident, output: 'json' | 'slack'): Promise<number> {
  const engine = createEngine(runbook);
  const started = engine.start(deps.now(), demoAnswers(server, incident, false), { infer: INFERRED_SLOTS });
  if (!started.ok) throw new Error(started.error.message);
  const checked = await runCheckNode(
    { engine, session: started.session, targets: { ...config, urlAuth: 'key' }, azure: azureAccessOf(config, deps), record: null, rateIntervalMs: config.rateIntervalMs },
    { now: deps.now },
  );
  if (!checked.ok) {
    process.stderr.write(`keyloss demo: ${redact(checked.sentence)}\n`);
    return 1;
  }
  const { report, conclusion } = checked;
  if (output === 'json') {
    process.stdout.write(redact(`${JSON.stringify(report, null, 2)}\n`));
    return 0;
  }
  const watch = runbook.watch ?? null;
  const message = verdictMessage(report, conclusion ? { title: conclusion.title, body: conclusion.body, watch } : { title: 'Checks finished', body: report.headline, watch });
  process.stdout.write(redact(`${JSON.stringify(message, null, 2)}\n`));
  return 0;
}
