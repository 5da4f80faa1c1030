// ANSI colours for a terminal that shows them; plain text everywhere else (pipes, NO_COLOR, dumb terminals).
export interface Style {
  enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  red(text: string): string;
  cyan(text: string): string;
}

function wrap(enabled: boolean, open: number, close: number): (text: string) => string {
  return enabled ? (text) => `\u001b[${open}m${text}\u001b[${close}m` : (text) => text;
}

export function createStyle(enabled: boolean): Style {
  return {
    enabled,
    bold: wrap(enabled, 1, 22),
    dim: wrap(enabled, 2, 22),
    green: wrap(enabled, 32, 39),
    yellow: wrap(enabled, 33, 39),
    red: wrap(enabled, 31, 39),
    cyan: wrap(enabled, 36, 39),
  };
}

/** Colours when writing to a terminal, unless NO_COLOR is set (https://no-color.org) or TERM is dumb (Config.noColor). */
export function colourWanted(isTty: boolean, noColor: boolean): boolean {
  return isTty && !noColor;
}
