// Identifiers of the databases the harness creates; names are generated, but
// quoting keeps CREATE/DROP DATABASE correct whatever they are.
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
