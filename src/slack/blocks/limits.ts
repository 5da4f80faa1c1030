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
  // Data visualization block (docs.slack.dev/reference/block-kit/blocks/data-visualization-block): title 50, 1–6 series
  // or pie segments; series names, category and segment labels 20 (as SDKs that validate it document: slack-messaging),
  // at most 20 points a series, and at most two such blocks in one message.
  chartTitle: 50,
  chartSeries: 6,
  chartLabel: 20,
  chartPoints: 20,
  chartAxisLabel: 50,
  chartsPerMessage: 2,
  // Table block (docs.slack.dev/reference/block-kit/blocks/table-block): 100 rows of at most 20 cells, 20 column settings,
  // cells of at least one character; keyloss puts at most one table in a message.
  tableRows: 100,
  tableCells: 20,
  tablesPerMessage: 1,
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

/** One series of a line, bar or area chart: a value for each of the axis's categories, in their order. */
export interface ChartSeries {
  name: string;
  data: Array<{ label: string; value: number }>;
}

export type Chart =
  | { type: 'line' | 'bar' | 'area'; series: ChartSeries[]; axis_config: { categories: string[]; x_label?: string; y_label?: string } }
  | { type: 'pie'; segments: Array<{ label: string; value: number }> };

/** A table cell: text (at least one character) or a number with the text shown for it. */
export type TableCell = { type: 'raw_text'; text: string } | { type: 'raw_number'; value: number; text: string };

export type Block =
  | { type: 'header'; block_id?: string; text: TextObject }
  | { type: 'section'; block_id?: string; text?: TextObject; fields?: TextObject[]; accessory?: InteractiveElement }
  | { type: 'context'; block_id?: string; elements: TextObject[] }
  | { type: 'actions'; block_id?: string; elements: InteractiveElement[] }
  | { type: 'divider'; block_id?: string }
  | { type: 'input'; block_id?: string; label: TextObject; element: PlainTextInputElement; hint?: TextObject; optional?: boolean }
  | { type: 'data_visualization'; block_id?: string; title: string; chart: Chart }
  | { type: 'table'; block_id?: string; rows: TableCell[][]; column_settings?: Array<{ align?: 'left' | 'center' | 'right'; is_wrapped?: boolean }> };

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
  const charts = (blocks as Block[]).filter((b) => b.type === 'data_visualization').length;
  if (charts > LIMITS.chartsPerMessage) out.push(`${charts} data visualization blocks, more than ${LIMITS.chartsPerMessage}`);
  const tables = (blocks as Block[]).filter((b) => b.type === 'table').length;
  if (tables > LIMITS.tablesPerMessage) out.push(`${tables} table blocks, more than ${LIMITS.tablesPerMessage}`);
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
      case 'data_visualization':
        out.push(...chartBreaches(block.title, block.chart, where));
        break;
      case 'table':
        if (block.rows.length === 0) out.push(`${where}: no rows`);
        if (block.rows.length > LIMITS.tableRows) out.push(`${where}: more than ${LIMITS.tableRows} rows`);
        block.rows.forEach((row, r) => {
          if (row.length > LIMITS.tableCells) out.push(`${where} row ${r}: more than ${LIMITS.tableCells} cells`);
          row.forEach((cell, c) => {
            if (cell.text.length === 0) out.push(`${where} row ${r} cell ${c}: empty`);
          });
        });
        if ((block.column_settings?.length ?? 0) > LIMITS.tableCells) out.push(`${where}: more than ${LIMITS.tableCells} column settings`);
        break;
      default:
        out.push(`${where}: unknown block type`);
    }
  });
  return out;
}

function chartBreaches(title: string, chart: Chart, where: string): string[] {
  const out: string[] = [];
  if (title.length === 0 || title.length > LIMITS.chartTitle) out.push(`${where}: title empty or longer than ${LIMITS.chartTitle}`);
  if (chart.type === 'pie') {
    if (chart.segments.length === 0 || chart.segments.length > LIMITS.chartSeries) out.push(`${where}: ${chart.segments.length} segments, not 1–${LIMITS.chartSeries}`);
    chart.segments.forEach((s, i) => {
      if (s.label.length === 0 || s.label.length > LIMITS.chartLabel) out.push(`${where} segment ${i}: label empty or longer than ${LIMITS.chartLabel}`);
      if (!Number.isFinite(s.value)) out.push(`${where} segment ${i}: value not a finite number`);
    });
    return out;
  }
  const { categories, x_label, y_label } = chart.axis_config;
  if (chart.series.length === 0 || chart.series.length > LIMITS.chartSeries) out.push(`${where}: ${chart.series.length} series, not 1–${LIMITS.chartSeries}`);
  if (categories.length === 0 || categories.length > LIMITS.chartPoints) out.push(`${where}: ${categories.length} categories, not 1–${LIMITS.chartPoints}`);
  if (new Set(categories).size !== categories.length) out.push(`${where}: categories repeat`);
  categories.forEach((c, i) => {
    if (c.length === 0 || c.length > LIMITS.chartLabel) out.push(`${where} category ${i}: empty or longer than ${LIMITS.chartLabel}`);
  });
  for (const [name, label] of [['x_label', x_label], ['y_label', y_label]] as const) {
    if (label !== undefined && label.length > LIMITS.chartAxisLabel) out.push(`${where}: ${name} longer than ${LIMITS.chartAxisLabel}`);
  }
  if (new Set(chart.series.map((s) => s.name)).size !== chart.series.length) out.push(`${where}: series names repeat`);
  chart.series.forEach((s, i) => {
    if (s.name.length === 0 || s.name.length > LIMITS.chartLabel) out.push(`${where} series ${i}: name empty or longer than ${LIMITS.chartLabel}`);
    if (s.data.length === 0 || s.data.length > LIMITS.chartPoints) out.push(`${where} series ${i}: ${s.data.length} points, not 1–${LIMITS.chartPoints}`);
    s.data.forEach((point, j) => {
      if (!categories.includes(point.label)) out.push(`${where} series ${i} point ${j}: label is not one of the categories`);
      if (!Number.isFinite(point.value)) out.push(`${where} series ${i} point ${j}: value not a finite number`);
    });
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
    case 'data_visualization':
      return { ...block, title: truncate(block.title, LIMITS.chartTitle), chart: fitChart(block.chart) };
    case 'table':
      return {
        ...block,
        rows: block.rows.slice(0, LIMITS.tableRows).map((row) => row.slice(0, LIMITS.tableCells).map((cell) => (cell.text === '' ? { ...cell, text: '—' } : cell))),
        ...(block.column_settings ? { column_settings: block.column_settings.slice(0, LIMITS.tableCells) } : {}),
      };
    default:
      return block;
  }
}

/** Labels cut to 20 characters keep the end that tells them apart ("…:05" of a time), series and points beyond the limits dropped. */
function fitChart(chart: Chart): Chart {
  const label = (text: string): string => truncate(text, LIMITS.chartLabel);
  if (chart.type === 'pie') return { ...chart, segments: chart.segments.slice(0, LIMITS.chartSeries).map((s) => ({ ...s, label: label(s.label) })) };
  const categories = chart.axis_config.categories.slice(0, LIMITS.chartPoints);
  const kept = new Set(categories);
  return {
    ...chart,
    axis_config: {
      ...chart.axis_config,
      categories: categories.map(label),
      ...(chart.axis_config.x_label !== undefined ? { x_label: truncate(chart.axis_config.x_label, LIMITS.chartAxisLabel) } : {}),
      ...(chart.axis_config.y_label !== undefined ? { y_label: truncate(chart.axis_config.y_label, LIMITS.chartAxisLabel) } : {}),
    },
    series: chart.series.slice(0, LIMITS.chartSeries).map((s) => ({ name: label(s.name), data: s.data.filter((p) => kept.has(p.label)).map((p) => ({ ...p, label: label(p.label) })) })),
  };
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
  // Past two charts or one table, the later ones are left out: their numbers are in the text and the PNGs.
  let charts = 0;
  let tables = 0;
  const fitted = blocks
    .filter((block) => (block.type === 'data_visualization' ? ++charts <= LIMITS.chartsPerMessage : block.type === 'table' ? ++tables <= LIMITS.tablesPerMessage : true))
    .map(fitBlock);
  if (fitted.length <= maxBlocks) return { blocks: fitted, overflowed: false };
  const kept = fitted.slice(0, maxBlocks - 1);
  const left = fitted.length - kept.length;
  kept.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `… ${left} more blocks left out here; the full text is in the attached file.` }] });
  return { blocks: kept, overflowed: true };
}
