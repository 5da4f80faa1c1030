// The real runbook file, parsed with its schema, for tests of the diagnosis words and fixes.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { Runbook } from '../../src/runbook/schema.ts';

export const runbook: Runbook = Runbook.parse(parse(readFileSync(new URL('../../runbooks/redis-data-loss.yaml', import.meta.url), 'utf8')));
