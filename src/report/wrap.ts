// Word wrapping for terminal text: breaks only between words, measures without ANSI colour codes, keeps a line's indent
// (and a list marker's hanging indent) on the lines it continues onto. Reports and the walkthrough wrap with it.

const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

/** Columns the text takes on a terminal: colour codes take none. */
export function visibleLength(text: string): number {
  return [...text.replace(ANSI, '')].length;
}

// "  - ", "  1. ", "  +  ", "  ✓ " and the like: continuation lines start under the text after the marker.
const MARKER = /^(\s*)((?:[-+·•✓!●]|\d+\.|[a-z0-9]+\))\s+)?/u;

/**
 * One line made to fit `width` columns, broken between words. Continuation lines are indented like the text after the
 * line's leading spaces and list marker, or by `hang` when given. A word longer than the width stays whole.
 */
export function wrapLine(line: string, width: number, hang?: string): string[] {
  if (visibleLength(line) <= width) return [line];
  const plain = line.replace(ANSI, '');
  const marker = MARKER.exec(plain);
  const indent = hang ?? ' '.repeat(Math.min(visibleLength(marker?.[0] ?? ''), Math.floor(width / 2)));
  const lead = /^\s*/.exec(line)?.[0] ?? '';
  // Words keep the spaces after them (column gaps survive); a lone mark, or a unit after a number ("80 %", "3.0 MB"), stays with the word before it.
  const words: Array<{ word: string; gap: string }> = [];
  for (const [, word = '', gap = ''] of line.slice(lead.length).matchAll(/(\S+)(\s*)/g)) {
    const previous = words.at(-1);
    const unit = /^(?:[%)\]}.,;:]+|[KMGT]?B|ms|s|min|h|d)[).,;:]*$/.test(word) && /\d$/.test(previous?.word ?? '');
    if (previous && previous.gap === ' ' && (/^[%)\]}.,;:]+$/.test(word) || unit)) {
      previous.word += ` ${word}`;
      previous.gap = gap;
    } else words.push({ word, gap });
  }
  const lines: string[] = [];
  let current = lead;
  let gap = '';
  for (const { word, gap: after } of words) {
    if (current.trim() !== '' && visibleLength(current) + gap.length + visibleLength(word) > width) {
      lines.push(current);
      current = indent + word;
    } else {
      current += gap + word;
    }
    gap = after;
  }
  lines.push(current);
  return lines;
}

/** Every line of `lines` (each may hold newlines) made to fit `width`. */
export function fitLines(lines: readonly string[], width: number): string[] {
  return lines.flatMap((text) => text.split('\n')).flatMap((line) => wrapLine(line, width));
}
