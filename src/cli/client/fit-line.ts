/** Cut `text` to `width` columns, ending in `…` when something was cut (configs are ASCII: one column per char). */
export function fitLine(text: string, width: number): string {
  if (!Number.isFinite(width) || text.length <= width) return text;
  return width <= 1 ? '…'.slice(0, width) : `${text.slice(0, width - 1)}…`;
}
