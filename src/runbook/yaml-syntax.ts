// YAML syntax errors at their cause: an unclosed "{", "[" or quote is reported where it opens, not where the parser
// first noticed (the next line, or the end of the file), and the errors it sets off are one error.
import { CST, Parser, type YAMLError } from 'yaml';

export interface SyntaxProblem {
  offset: number;
  message: string;
}

interface Opener {
  offset: number;
  open: string;
  close: string;
}

const CLOSE: Record<string, string> = { '{': '}', '[': ']' };

/** The flow collections and quoted scalars that open and never close, by offset. */
function unclosed(text: string): Opener[] {
  const found: Opener[] = [];
  const inspect = (node: CST.Token | undefined | null): void => {
    if (!node) return;
    if (node.type === 'flow-collection') {
      const open = node.start.source;
      const close = CLOSE[open];
      if (close && !node.end.some((token) => token.source === close)) found.push({ offset: node.offset, open, close });
    } else if (node.type === 'double-quoted-scalar' || node.type === 'single-quoted-scalar') {
      const quote = node.type === 'double-quoted-scalar' ? '"' : "'";
      const body = node.source.slice(1);
      const closed = quote === '"' ? /^(?:[^"\\]|\\[\s\S])*"$/.test(body) : /^(?:[^']|'')*'$/.test(body);
      if (!closed) found.push({ offset: node.offset, open: quote, close: quote });
    }
  };
  for (const token of new Parser().parse(text)) {
    if (token.type !== 'document') continue;
    inspect(token.value);
    CST.visit(token, (item) => {
      inspect(item.key);
      inspect(item.value);
    });
  }
  return found.sort((a, b) => a.offset - b.offset);
}

/** A parser error that an opener left unclosed can set off. */
function fromUnclosed(error: YAMLError): boolean {
  return error.code === 'BAD_INDENT' || error.code === 'MISSING_CHAR' || error.code === 'UNEXPECTED_TOKEN' || /flow (map|sequence|collection)|quote/i.test(error.message);
}

/** One problem per cause: the parser's errors, each moved to the opener it follows from when there is one. */
export function syntaxProblems(text: string, errors: readonly YAMLError[]): SyntaxProblem[] {
  const openers = unclosed(text);
  const problems: SyntaxProblem[] = [];
  const said = new Set<number>();
  for (const error of errors) {
    const at = error.pos[0];
    const cause = fromUnclosed(error) ? openers.filter((o) => o.offset <= at).at(-1) : undefined;
    if (cause) {
      if (said.has(cause.offset)) continue;
      said.add(cause.offset);
      const what = cause.open === '{' ? 'flow map' : cause.open === '[' ? 'flow sequence' : 'quoted string';
      problems.push({ offset: cause.offset, message: `the ${what} opened here with ${cause.open} is never closed with ${cause.close}` });
    } else {
      problems.push({ offset: at, message: firstLine(error.message) });
    }
  }
  return problems;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}
