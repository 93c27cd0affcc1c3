export { chargePayment, DEMO_COMMANDS, reserveStock, sendReceipt } from './commands.ts';
export { registerDemoHandlers } from './handlers.ts';
