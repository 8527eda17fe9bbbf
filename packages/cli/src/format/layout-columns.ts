import { displayWidth } from "./display-width.js";

/** The gap between two columns. */
export const COLUMN_GAP = "  ";

/**
 * Lays out rows of one-line cells as left-aligned columns, each as wide as its widest cell,
 * separated by {@link COLUMN_GAP}. Widths count terminal columns (colour codes take none);
 * lines carry no trailing blanks, so copy and grep see only the text.
 */
export function layoutColumns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  const measured = rows.map((row) =>
    row.map((cell, column) => {
      const width = displayWidth(cell);
      if (width > (widths[column] ?? 0)) widths[column] = width;
      return width;
    }),
  );
  return rows
    .map((row, r) => {
      let line = "";
      row.forEach((cell, column) => {
        if (column > 0) line += COLUMN_GAP;
        line += cell;
        if (column < row.length - 1) line += " ".repeat((widths[column] ?? 0) - (measured[r]?.[column] ?? 0));
      });
      return line.trimEnd();
    })
    .join("\n");
}
