// Record kinds for the store tests: what each test value is, checked on every read as keyloss's own records are.
import { z } from 'zod';
import type { RecordKind } from '../../src/state/store.ts';

export const kind = <T>(schema: z.ZodType<T>, maxChars = 100_000): RecordKind<T> => ({ what: 'test', schema, maxChars });
export const STEP = kind(z.object({ step: z.number(), answers: z.record(z.string(), z.string()).optional() }));
export const COUNT = kind(z.number());
export const N = kind(z.object({ n: z.number() }));
export const ITEM = kind(z.object({ i: z.number().optional(), a: z.number().optional() }));
export const ANSWERS = kind(z.object({ answers: z.array(z.number()) }));
