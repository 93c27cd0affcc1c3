// How numbers, counts and times are shown.
import type { BoundedCount } from './types.ts';

const numbers = new Intl.NumberFormat('en');

export const formatNumber = (n: number) => numbers.format(n);

/** "10,000+" for a count that stopped at its cap. */
export const formatCount = (c: BoundedCount | undefined) =>
  c === undefined ? '–' : `${numbers.format(c.count)}${c.more ? '+' : ''}`;

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toISOString().replace('T', ' ').replace('Z', ' UTC');
}

export function formatAge(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '–';
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86_400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** JSON as text for a <pre>: never parsed as HTML. */
export const formatJson = (value: unknown) => JSON.stringify(value, null, 2) ?? 'null';

export const shortId = (id: string) => id.slice(0, 8);
