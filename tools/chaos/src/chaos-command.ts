// The one command type every chaos scenario sends; imported by the driver
// (to send it) and by the handler module the worker processes load.
import { z } from 'zod';
import { defineCommand } from '@commandbus/commandbus';

export const chaosEffect = defineCommand({
  type: 'chaos.Effect',
  data: z.object({
    /** How long the handler works before writing its effect. */
    sleepMs: z.number().int().min(0),
    /** The handler always throws a PermanentCommandError: the command must end in troubleshooting. */
    failPermanently: z.boolean(),
  }),
  // Kills and database restarts each cost an attempt; the suite proves that
  // nothing is lost or done twice, not the retry budget, so the budget is wide.
  maxAttempts: 50,
  // A failure caused by a restart is retried in a second, not the default 10 s.
  backoffSeconds: [1],
});

/** Error code of the handler's deliberate permanent failures. */
export const CHAOS_FAILURE_CODE = 'CHAOS_PERMANENT';
