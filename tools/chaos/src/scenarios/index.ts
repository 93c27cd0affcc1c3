// Every scenario, in the order a full run takes them.
import type { Scenario } from '../scenario.ts';
import { dbRestart } from './db-restart.ts';
import { duplicateStorm } from './duplicate-storm.ts';
import { kill9 } from './kill9.ts';
import { operatorRaces } from './operator-races.ts';
import { slowHandlers } from './slow-handlers.ts';

export const SCENARIOS: readonly Scenario[] = [
  kill9,
  dbRestart,
  duplicateStorm,
  operatorRaces,
  slowHandlers,
];
