// The command line: one parser and one wording for every flag error, on every command; for the commands that run the
// checks (`diagnose`, `walk`), the answer table's flags and the run options, read the same way on both.
import type { Config } from '../config/env.ts';
import { redact } from '../redact.ts';
import { wrapLine } from '../report/wrap.ts';
import {
  ANSWER_TABLE,
  normaliseAnswers,
  parseRateInterval,
  parseStateUrl,
  RUN_OPTIONS,
  SLOT_NAMES,
  slotOfFlag,
  type FlagSpec,
  type SlotName,
} from './answers.ts';

/** The flags `diagnose` and `walk` share: every answer flag, then the run options. */
/** The order usage lists the slots in: the target and the key first, as a command line reads, then the runbook's order. */
const USAGE_ORDER: readonly SlotName[] = ['cache', 'key', ...SLOT_NAMES.filter((slot) => slot !== 'cache' && slot !== 'key')];

/** The flags `diagnose` and `walk` share: each slot's first flag, then the other ways to give it (--cache), then the run options. */
export const SHARED_FLAGS: readonly FlagSpec[] = [
  ...USAGE_ORDER.flatMap((slot) => ANSWER_TABLE[slot].flags.slice(0, 1)),
  ...USAGE_ORDER.flatMap((slot) => ANSWER_TABLE[slot].flags.slice(1)),
  ...Object.values(RUN_OPTIONS),
];

export const HELP_FLAG: FlagSpec = { name: '--help', value: null, help: 'this text' };

/** What was given: a flag's value (the last one when repeated), every value of a `multiple` flag, `true` for a switch. */
export type FlagValues = Record<string, string | true | string[]>;

export type FlagsResult = { ok: true; values: FlagValues } | { ok: false; message: string };

/** `--since=-5m` and `--since -5m` alike: a value may start with one "-"; a word starting with "--" is the next flag. */
export function readFlags(argv: readonly string[], specs: readonly FlagSpec[]): FlagsResult {
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const accepted = specs.map((spec) => spec.name).join(', ');
  const values: FlagValues = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '-h' && byName.has('--help')) {
      values['--help'] = true;
      continue;
    }
    if (!arg.startsWith('-')) {
      // Never echoed: a stray argument may be a password.
      return { ok: false, message: `unexpected argument without a flag (every value follows its flag, as in --key session:17); accepted: ${accepted}` };
    }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const spec = byName.get(name);
    if (!spec) return { ok: false, message: `${redact(short(name))} is not a flag; accepted: ${accepted}` };
    if (spec.value === null) {
      if (inline !== undefined) return { ok: false, message: `${name} takes no value` };
      values[name] = true;
      continue;
    }
    const value = inline ?? argv[i + 1];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) {
      return { ok: false, message: `${name} needs a value: ${spec.help}` };
    }
    if (inline === undefined) i++;
    const before = values[name];
    values[name] = spec.multiple ? [...(Array.isArray(before) ? before : []), value] : value;
  }
  return { ok: true, values };
}

export type FlagAnswers =
  | {
      ok: true;
      /** Slot → the text as typed, for the engine's prefill. */
      prefill: Record<string, string>;
      /** Slot → the flag that gave it, to name it in a later error. */
      flags: Record<string, string>;
      /** Slot → the answer as its slot normalises it (`Premium` → premium, `db3` → 3, `2h` → an ISO time). */
      answers: Record<string, string>;
    }
  | { ok: false; message: string };

/** The answers the flags give, each read by its slot of the answer table; a refusal names the flag. */
export function answersFromFlags(values: FlagValues, now: Date): FlagAnswers {
  const prefill: Record<string, string> = {};
  const flags: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    const slot = slotOfFlag(name);
    if (slot === undefined || typeof value !== 'string') continue;
    if (flags[slot] !== undefined && flags[slot] !== name) return { ok: false, message: `${flags[slot]} and ${name} both give the ${slot}: give one` };
    prefill[slot] = value;
    flags[slot] = name;
  }
  const read = normaliseAnswers(prefill, now);
  if (!read.ok) return { ok: false, message: `${flags[read.slot]}: ${read.message}` };
  return { ok: true, prefill, flags, answers: read.answers };
}

/** The run options the flags give, over the configuration's. */
export interface RunOptions {
  /** Sign in to a typed URL with Microsoft Entra. */
  entra: boolean;
  rateIntervalMs: number | null;
  /** The state Redis whose record of the cache is read; null: none. */
  stateUrl: string | null;
  /** What gave stateUrl: `--state` or STATE_REDIS_URL, named when it cannot be used. */
  stateSource: string;
}

export function runOptionsFromFlags(values: FlagValues, config: Pick<Config, 'rateIntervalMs' | 'state'>): { ok: true; options: RunOptions } | { ok: false; message: string } {
  let rateIntervalMs = config.rateIntervalMs;
  const rate = values[RUN_OPTIONS.rateInterval.name];
  if (typeof rate === 'string') {
    const parsed = parseRateInterval(rate);
    if (!parsed.ok) return { ok: false, message: `${RUN_OPTIONS.rateInterval.name}: ${parsed.message}` };
    rateIntervalMs = parsed.ms;
  }
  let stateUrl = config.state.url;
  let stateSource = 'STATE_REDIS_URL';
  const state = values[RUN_OPTIONS.state.name];
  if (typeof state === 'string') {
    const parsed = parseStateUrl(state);
    if (!parsed.ok) return { ok: false, message: `${RUN_OPTIONS.state.name}: ${parsed.message}` };
    stateUrl = parsed.url;
    stateSource = RUN_OPTIONS.state.name;
  }
  return { ok: true, options: { entra: values[RUN_OPTIONS.entra.name] === true, rateIntervalMs, stateUrl, stateSource } };
}

/** The usage lines of `specs`: flag and value in one column, the help wrapped beside it. */
export function flagUsage(specs: readonly FlagSpec[], width = 100): string {
  const column = 26;
  return specs
    .flatMap((spec) => {
      const head = `  ${spec.name}${spec.value ? ` ${spec.value}` : ''}`;
      return wrapLine(`${head.length < column ? head.padEnd(column) : `${head} `}${spec.help}`, width, ' '.repeat(column));
    })
    .join('\n');
}

export type RunFlags =
  | {
      ok: true;
      values: FlagValues;
      help: boolean;
      /** Slot → the text as typed, for the engine's prefill. */
      prefill: Record<string, string>;
      /** Slot → the flag that gave it. */
      flags: Record<string, string>;
      options: RunOptions;
    }
  | { ok: false; message: string };

/** The flags of a command that runs the checks, read the one way: answers through the answer table, then the run options. */
export function readRunFlags(argv: readonly string[], specs: readonly FlagSpec[], config: Pick<Config, 'rateIntervalMs' | 'state'>, now: Date): RunFlags {
  const read = readFlags(argv, specs);
  if (!read.ok) return read;
  const help = read.values[HELP_FLAG.name] === true;
  const answers: FlagAnswers = help ? { ok: true, prefill: {}, flags: {}, answers: {} } : answersFromFlags(read.values, now);
  if (!answers.ok) return answers;
  const options = runOptionsFromFlags(read.values, config);
  if (!options.ok) return options;
  return { ok: true, values: read.values, help, prefill: answers.prefill, flags: answers.flags, options: options.options };
}

function short(text: string): string {
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}
