/** A cell of a human table; null and undefined print as "-". */
export type Cell = string | number | boolean | null | undefined;

/** Writes a line to stdout. */
export function line(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** Writes a value as indented JSON to stdout: what `--json` prints, the API's own body where there is one. */
export function printJson(value: unknown): void {
  line(JSON.stringify(value, null, 2));
}

function text(cell: Cell): string {
  if (cell === null || cell === undefined || cell === '') return '-';
  return String(cell);
}

/** Prints rows under upper-case headings, each column as wide as its widest cell; "(none)" for no rows. */
export function printTable(headings: string[], rows: Cell[][]): void {
  if (rows.length === 0) {
    line('(none)');
    return;
  }
  const cells = rows.map((row) => row.map(text));
  const widths = headings.map((heading, index) =>
    Math.max(heading.length, ...cells.map((row) => (row[index] ?? '').length)),
  );
  const format = (row: string[]) =>
    row
      .map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0)))
      .join('  ')
      .trimEnd();
  line(format(headings.map((h) => h.toUpperCase())));
  for (const row of cells) line(format(row));
}

/** Prints `label: value` lines with the values aligned. */
export function printFields(fields: Array<[string, Cell]>): void {
  const width = Math.max(...fields.map(([label]) => label.length));
  for (const [label, value] of fields) line(`${`${label}:`.padEnd(width + 2)}${text(value)}`);
}

/** Dollars as the API reports them, without float noise (up to 6 decimals). */
export function usd(value: number | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return `$${Number(value.toFixed(6))}`;
}
