// The Flyway location of this schema: the migrator and real Flyway both apply
// the `V<version>__<description>.sql` files found here.
import { fileURLToPath } from 'node:url';

export const schemaSqlDir = fileURLToPath(new URL('../sql', import.meta.url));
