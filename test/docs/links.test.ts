// Every relative link in the README and docs resolves inside the repository, file and #anchor, as it must in a clone.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import GithubSlugger from 'github-slugger';
import { Lexer, type Token, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The Markdown a newcomer reads: the README, docs/ and the runbook format. */
function documents(): string[] {
  const docs = readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => join('docs', name));
  return ['README.md', 'runbooks/README.md', ...docs];
}

/** Every token of a document, nested ones included (list items, table cells, a link's text). */
function* walk(tokens: readonly Token[]): Generator<Token> {
  for (const token of tokens) {
    yield token;
    const t = token as Token & { tokens?: Token[]; items?: Token[]; header?: Tokens.TableCell[]; rows?: Tokens.TableCell[][] };
    if (t.tokens) yield* walk(t.tokens);
    if (t.items) yield* walk(t.items);
    if (t.header) yield* walk(t.header.flatMap((cell) => cell.tokens));
    if (t.rows) yield* walk(t.rows.flat().flatMap((cell) => cell.tokens));
  }
}

/** A heading's text as GitHub renders it (code spans and links by their text), which its anchor is made from. */
function plainText(tokens: readonly Token[]): string {
  return tokens
    .map((token) => {
      const t = token as Token & { tokens?: Token[]; text?: string };
      if (t.tokens && t.tokens.length > 0) return plainText(t.tokens);
      return t.type === 'escape' || t.type === 'codespan' || t.type === 'text' ? (t.text ?? '') : '';
    })
    .join('');
}

/** The anchors GitHub gives a document's headings ("## Slack app" → slack-app; a repeat gets -1, -2, …). */
function anchorsOf(markdown: string): Set<string> {
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  for (const token of walk(Lexer.lex(markdown))) {
    if (token.type === 'heading') anchors.add(slugger.slug(plainText((token as Tokens.Heading).tokens)));
  }
  return anchors;
}

/** The link targets a document holds: Markdown links and images, and href/src in inline HTML. */
function targetsOf(markdown: string): string[] {
  const targets: string[] = [];
  for (const token of walk(Lexer.lex(markdown))) {
    if (token.type === 'link' || token.type === 'image') targets.push((token as Tokens.Link).href);
    if (token.type === 'html') for (const match of token.raw.matchAll(/\b(?:href|src)="([^"]+)"/g)) targets.push(match[1] ?? '');
  }
  return targets;
}

/** What is wrong with each relative link of `file` (a path in the repository): a file that is not there, or an anchor no heading has. */
function deadLinks(file: string, markdown: string, root = ROOT): string[] {
  const problems: string[] = [];
  for (const target of targetsOf(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue;
    const [pathPart = '', anchor] = target.split('#', 2);
    const path = decodeURIComponent(pathPart);
    const absolute = path === '' ? join(root, file) : resolve(root, dirname(file), path);
    const inside = relative(root, absolute);
    if (inside.startsWith(`..${sep}`) || inside === '..') {
      problems.push(`${file}: ${target} points outside the repository`);
      continue;
    }
    if (!existsSync(absolute)) {
      problems.push(`${file}: ${target}: no file ${inside}`);
      continue;
    }
    if (anchor !== undefined && anchor !== '' && absolute.endsWith('.md') && statSync(absolute).isFile()) {
      if (!anchorsOf(path === '' ? markdown : readFileSync(absolute, 'utf8')).has(anchor)) problems.push(`${file}: ${target}: no heading in ${inside} has the anchor #${anchor}`);
    }
  }
  return problems;
}

describe('documentation links', () => {
  it('every relative link in README.md, runbooks/README.md and docs/*.md resolves inside the repository', () => {
    const files = documents();
    expect(files).toContain('docs/diagnose-json.md');
    const problems = files.flatMap((file) => deadLinks(file, readFileSync(join(ROOT, file), 'utf8')));
    expect(problems).toEqual([]);
  });

  it('finds a missing file, a missing anchor and a link out of the repository, and passes good ones', () => {
    const markdown = [
      '# Setup',
      '## The `keyloss diagnose` command',
      'See [the contract](docs/diagnose-json.md), [setup](#setup), [the command](#the-keyloss-diagnose-command),',
      '[the runbooks](runbooks/README.md#next-and-conditions) and [Redis](https://redis.io/docs/).',
      'Dead: [gone](docs/nothing.md), [no anchor](#slack), [no anchor there](runbooks/README.md#nowhere),',
      '[outside](../shared/spec/diagnose-cli.md), and <a href="docs/missing.html">html</a>.',
      '| a | [cell](docs/nope.md) |',
      '|---|---|',
    ].join('\n');
    expect(deadLinks('README.md', markdown)).toEqual([
      'README.md: docs/nothing.md: no file docs/nothing.md',
      'README.md: #slack: no heading in README.md has the anchor #slack',
      'README.md: runbooks/README.md#nowhere: no heading in runbooks/README.md has the anchor #nowhere',
      'README.md: ../shared/spec/diagnose-cli.md points outside the repository',
      'README.md: docs/missing.html: no file docs/missing.html',
      'README.md: docs/nope.md: no file docs/nope.md',
    ]);
  });
});
