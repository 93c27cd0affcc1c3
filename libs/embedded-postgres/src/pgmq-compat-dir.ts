// Where this repository's PGMQ-compatible extension lives: the folder whose
// `extension/` holds `pgmq.control`, as `extension_control_path` expects.
import { fileURLToPath } from 'node:url';

export const pgmqCompatDir = fileURLToPath(new URL('../../../tools/pgmq-compat', import.meta.url));
