/** A cell of a printed table: numbers are shown with at most one decimal (two below 10). */
export type Cell = string | number;

/** A table a scenario prints and the summary reuses. */
export interface Table {
  columns: string[];
  rows: Cell[][];
}

/** Formats a number for reading: thousands grouped, one decimal, two below 10, "—" for NaN. */
export function formatCell(cell: Cell): string {
  if (typeof cell === 'string') return cell;
  if (!Number.isFinite(cell)) return '—';
  const digits = Number.isInteger(cell) ? 0 : Math.abs(cell) < 10 ? 2 : 1;
  return cell.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** The table as aligned plain text, numbers right-aligned. */
export function renderTable(table: Table): string {
  const cells = [table.columns, ...table.rows.map((row) => row.map(formatCell))];
  const widths = table.columns.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: string[], source: Cell[] | undefined) =>
    row
      .map((text, i) => {
        const width = widths[i] ?? 0;
        return typeof source?.[i] === 'number' ? text.padStart(width) : text.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  const [header, ...body] = cells;
  return [
    line(header ?? [], undefined),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map((row, i) => line(row, table.rows[i])),
  ].join('\n');
}

/** The table in Markdown. */
export function markdownTable(table: Table): string {
  const row = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [
    row(table.columns),
    row(table.columns.map(() => '---')),
    ...table.rows.map((cells) => row(cells.map(formatCell))),
  ].join('\n');
}
