// Slack's Block Kit limits in one table, a checker that lists every breach, and a fitter that degrades instead of failing.

export const LIMITS = {
  messageBlocks: 50,
  modalBlocks: 100,
  /** Slack truncates a message's top-level text past this. */
  messageText: 40_000,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  contextText: 2000,
  actionsElements: 25,
  buttonLabel: 75,
  buttonValue: 2000,
  optionLabel: 75,
  optionValue: 150,
  selectOptions: 100,
  placeholder: 150,
  actionId: 255,
  blockId: 255,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
  inputLabel: 2000,
} as const;

export interface TextObject {
  type: 'plain_text' | 'mrkdwn';
  text: string;
  emoji?: boolean;
}

export interface OptionObject {
  text: TextObject;
  value: string;
}

export interface ButtonElement {
  type: 'button';
  action_id: string;
  text: TextObject;
  value?: string;
  style?: 'primary' | 'danger';
}

export interface StaticSelectElement {
  type: 'static_select';
  action_id: string;
  placeholder?: TextObject;
  options: OptionObject[];
}

export interface PlainTextInputElement {
  type: 'plain_text_input';
  action_id: string;
  placeholder?: TextObject;
  initial_value?: string;
  multiline?: boolean;
}

export type InteractiveElement = ButtonElement | StaticSelectElement;

export type Block =
  | { type: 'header'; block_id?: string; text: TextObject }
  | { type: 'section'; block_id?: string; text?: TextObject; fields?: TextObject[]; accessory?: InteractiveElement }
  | { type: 'context'; block_id?: string; elements: TextObject[] }
  | { type: 'actions'; block_id?: string; elements: InteractiveElement[] }
  | { type: 'divider'; block_id?: string }
  | { type: 'input'; block_id?: string; label: TextObject; element: PlainTextInputElement; hint?: TextObject; optional?: boolean };

export type Surface = 'message' | 'modal';

const ELLIPSIS = '…';

/** Shortens to `max` characters, ending with "…" when something was cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  // Do not split a surrogate pair or an escape such as &amp; in half.
  let cut = text.slice(0, max - 1);
  const amp = cut.lastIndexOf('&');
  if (amp >= 0 && amp > cut.length - 6 && !cut.slice(amp).includes(';')) cut = cut.slice(0, amp);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return cut + ELLIPSIS;
}

function elementBreaches(el: InteractiveElement, where: string): string[] {
  const out: string[] = [];
  if (el.action_id.length > LIMITS.actionId) out.push(`${where}: action_id longer than ${LIMITS.actionId}`);
  if (el.type === 'button') {
    if (el.text.text.length > LIMITS.buttonLabel) out.push(`${where}: button label longer than ${LIMITS.buttonLabel}`);
    if ((el.value ?? '').length > LIMITS.buttonValue) out.push(`${where}: button value longer than ${LIMITS.buttonValue}`);
  } else {
    if (el.options.length > LIMITS.selectOptions) out.push(`${where}: more than ${LIMITS.selectOptions} options`);
    if (el.options.length === 0) out.push(`${where}: a select without options`);
    el.options.forEach((o, i) => {
      if (o.text.text.length > LIMITS.optionLabel) out.push(`${where} option ${i}: label longer than ${LIMITS.optionLabel}`);
      if (o.value.length > LIMITS.optionValue) out.push(`${where} option ${i}: value longer than ${LIMITS.optionValue}`);
    });
    if ((el.placeholder?.text.length ?? 0) > LIMITS.placeholder) out.push(`${where}: placeholder longer than ${LIMITS.placeholder}`);
  }
  return out;
}

/** Every limit the blocks break, as sentences; empty when Slack will accept them. Loosely typed: tests run it on raw API calls. */
export function limitBreaches(blocks: readonly unknown[], surface: Surface = 'message'): string[] {
  const out: string[] = [];
  const maxBlocks = surface === 'message' ? LIMITS.messageBlocks : LIMITS.modalBlocks;
  if (blocks.length > maxBlocks) out.push(`${blocks.length} blocks, more than ${maxBlocks}`);
  (blocks as Block[]).forEach((block, i) => {
    const where = `block ${i} (${block.type})`;
    if ((block.block_id ?? '').length > LIMITS.blockId) out.push(`${where}: block_id longer than ${LIMITS.blockId}`);
    switch (block.type) {
      case 'header':
        if (block.text.text.length > LIMITS.headerText) out.push(`${where}: text longer than ${LIMITS.headerText}`);
        break;
      case 'section':
        if (!block.text && !block.fields) out.push(`${where}: neither text nor fields`);
        if ((block.text?.text.length ?? 0) > LIMITS.sectionText) out.push(`${where}: text longer than ${LIMITS.sectionText}`);
        if (block.text && block.text.text.length === 0) out.push(`${where}: empty text`);
        if ((block.fields?.length ?? 0) > LIMITS.sectionFields) out.push(`${where}: more than ${LIMITS.sectionFields} fields`);
        block.fields?.forEach((f, j) => {
          if (f.text.length > LIMITS.fieldText) out.push(`${where} field ${j}: longer than ${LIMITS.fieldText}`);
        });
        if (block.accessory) out.push(...elementBreaches(block.accessory, `${where} accessory`));
        break;
      case 'context':
        if (block.elements.length > LIMITS.contextElements) out.push(`${where}: more than ${LIMITS.contextElements} elements`);
        block.elements.forEach((e, j) => {
          if (e.text.length > LIMITS.contextText) out.push(`${where} element ${j}: longer than ${LIMITS.contextText}`);
        });
        break;
      case 'actions':
        if (block.elements.length > LIMITS.actionsElements) out.push(`${where}: more than ${LIMITS.actionsElements} elements`);
        if (block.elements.length === 0) out.push(`${where}: no elements`);
        if (new Set(block.elements.map((e) => e.action_id)).size !== block.elements.length) {
          out.push(`${where}: action_ids repeat inside the block`);
        }
        block.elements.forEach((e, j) => {
          out.push(...elementBreaches(e, `${where} element ${j}`));
        });
        break;
      case 'input':
        if (block.label.text.length > LIMITS.inputLabel) out.push(`${where}: label longer than ${LIMITS.inputLabel}`);
        break;
      case 'divider':
        break;
      default:
        out.push(`${where}: unknown block type`);
    }
  });
  return out;
}

function fitText(t: TextObject, max: number): TextObject {
  return t.text.length <= max ? t : { ...t, text: truncate(t.text, max) };
}

function fitElement(el: InteractiveElement): InteractiveElement {
  if (el.type === 'button') return { ...el, text: fitText(el.text, LIMITS.buttonLabel) };
  return {
    ...el,
    ...(el.placeholder ? { placeholder: fitText(el.placeholder, LIMITS.placeholder) } : {}),
    options: el.options.slice(0, LIMITS.selectOptions).map((o) => ({ ...o, text: fitText(o.text, LIMITS.optionLabel) })),
  };
}

function fitBlock(block: Block): Block {
  switch (block.type) {
    case 'header':
      return { ...block, text: fitText(block.text, LIMITS.headerText) };
    case 'section':
      return {
        ...block,
        ...(block.text ? { text: fitText(block.text, LIMITS.sectionText) } : {}),
        ...(block.fields ? { fields: block.fields.slice(0, LIMITS.sectionFields).map((f) => fitText(f, LIMITS.fieldText)) } : {}),
        ...(block.accessory ? { accessory: fitElement(block.accessory) } : {}),
      };
    case 'context':
      return { ...block, elements: block.elements.slice(0, LIMITS.contextElements).map((e) => fitText(e, LIMITS.contextText)) };
    case 'actions':
      return { ...block, elements: block.elements.slice(0, LIMITS.actionsElements).map(fitElement) };
    default:
      return block;
  }
}

export interface Fitted {
  blocks: Block[];
  /** True when whole blocks had to be left out: the caller should attach the full text as a file. */
  overflowed: boolean;
}

/**
 * Brings blocks within Slack's limits: long texts end in "…", extra fields, options and elements are dropped,
 * and past the block limit a last context line says how much was left out.
 */
export function fitBlocks(blocks: readonly Block[], surface: Surface = 'message'): Fitted {
  const maxBlocks = surface === 'message' ? LIMITS.messageBlocks : LIMITS.modalBlocks;
  const fitted = blocks.map(fitBlock);
  if (fitted.length <= maxBlocks) return { blocks: fitted, overflowed: false };
  const kept = fitted.slice(0, maxBlocks - 1);
  const left = fitted.length - kept.length;
  kept.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `… ${left} more blocks left out here; the full text is in the attached file.` }] });
  return { blocks: kept, overflowed: true };
}
