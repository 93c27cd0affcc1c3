// Printing for people (aligned tables, labelled fields) and for scripts (JSON).
import { formatTable } from '@commandbus/cli';
import type { AuditRow, CommandError } from '@commandbus/commandbus';

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

export function printTable(
  headers: readonly string[],
  rows: readonly (readonly unknown[])[],
): void {
  printLine(formatTable(headers, rows));
}

/** `label  value` lines with the values aligned; null values print as `-`. */
export function printFields(fields: readonly (readonly [string, unknown])[]): void {
  const width = Math.max(...fields.map(([label]) => label.length));
  for (const [label, value] of fields) printLine(`${label.padEnd(width)}  ${show(value)}`);
}

export function show(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function describeError(error: CommandError | null): string {
  if (!error) return '';
  return (
    [error.type, error.code].filter(Boolean).join(' ') + (error.message ? `: ${error.message}` : '')
  );
}

export function printAuditTrail(trail: readonly AuditRow[]): void {
  printLine(
    `audit trail (${trail.length} ${trail.length === 1 ? 'event' : 'events'}, oldest first)`,
  );
  printTable(
    ['time', 'event', 'details'],
    trail.map((event) => [event.ts, event.eventType, event.details ?? '']),
  );
}
