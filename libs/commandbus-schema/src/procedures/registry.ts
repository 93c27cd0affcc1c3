// The stored procedures of V001 as the wrappers call them: SQL name and
// parameter list in declaration order. The wrappers build every call from
// this table, and drift.test.ts compares it with pg_proc, so the names the
// code sends are the names the database has.

/** pg_type names of the parameter types we use (also the casts in each call). */
export type PgTypeName = 'text' | 'uuid' | 'int4' | 'int8' | 'jsonb';

export interface ProcedureParameter {
  readonly name: string;
  readonly type: PgTypeName;
  /** The SQL declares a DEFAULT: the wrapper may leave the argument out. */
  readonly hasDefault?: true;
}

export interface ProcedureSpec {
  /** Function name in schema `commandbus`. */
  readonly sqlName: string;
  readonly params: readonly ProcedureParameter[];
  /** pg_type name of the result, or the RETURNS TABLE columns in order. */
  readonly returns: 'bool' | { readonly table: readonly string[] };
}

export const PROCEDURE_SCHEMA = 'commandbus';

const batchBookkeeping = [
  { name: 'p_domain', type: 'text' },
  { name: 'p_batch_id', type: 'uuid' },
] as const;

export const PROCEDURES = {
  receiveCommand: {
    sqlName: 'sp_receive_command',
    params: [
      { name: 'p_domain', type: 'text' },
      { name: 'p_command_id', type: 'uuid' },
      { name: 'p_new_status', type: 'text', hasDefault: true },
      { name: 'p_msg_id', type: 'int8', hasDefault: true },
      { name: 'p_max_attempts', type: 'int4', hasDefault: true },
    ],
    returns: {
      table: [
        'domain',
        'command_id',
        'command_type',
        'status',
        'attempts',
        'max_attempts',
        'msg_id',
        'correlation_id',
        'reply_queue',
        'last_error_type',
        'last_error_code',
        'last_error_msg',
        'created_at',
        'updated_at',
        'batch_id',
      ],
    },
  },
  finishCommand: {
    sqlName: 'sp_finish_command',
    params: [
      { name: 'p_domain', type: 'text' },
      { name: 'p_command_id', type: 'uuid' },
      { name: 'p_status', type: 'text' },
      { name: 'p_event_type', type: 'text' },
      { name: 'p_error_type', type: 'text', hasDefault: true },
      { name: 'p_error_code', type: 'text', hasDefault: true },
      { name: 'p_error_msg', type: 'text', hasDefault: true },
      { name: 'p_details', type: 'jsonb', hasDefault: true },
      { name: 'p_batch_id', type: 'uuid', hasDefault: true },
    ],
    returns: 'bool',
  },
  failCommand: {
    sqlName: 'sp_fail_command',
    params: [
      { name: 'p_domain', type: 'text' },
      { name: 'p_command_id', type: 'uuid' },
      { name: 'p_error_type', type: 'text' },
      { name: 'p_error_code', type: 'text' },
      { name: 'p_error_msg', type: 'text' },
      { name: 'p_attempt', type: 'int4' },
      { name: 'p_max_attempts', type: 'int4' },
      { name: 'p_msg_id', type: 'int8' },
    ],
    returns: 'bool',
  },
  updateBatchCounters: {
    sqlName: 'sp_update_batch_counters',
    params: [
      { name: 'p_domain', type: 'text' },
      { name: 'p_batch_id', type: 'uuid' },
      { name: 'p_update_type', type: 'text' },
    ],
    returns: 'bool',
  },
  startBatch: { sqlName: 'sp_start_batch', params: batchBookkeeping, returns: 'bool' },
  tsqComplete: { sqlName: 'sp_tsq_complete', params: batchBookkeeping, returns: 'bool' },
  tsqCancel: { sqlName: 'sp_tsq_cancel', params: batchBookkeeping, returns: 'bool' },
  tsqRetry: { sqlName: 'sp_tsq_retry', params: batchBookkeeping, returns: 'bool' },
} as const satisfies Record<string, ProcedureSpec>;

export type ProcedureName = keyof typeof PROCEDURES;

type ParameterOf<N extends ProcedureName> = (typeof PROCEDURES)[N]['params'][number];
type DefaultedName<N extends ProcedureName> = Extract<ParameterOf<N>, { hasDefault: true }>['name'];
type RequiredName<N extends ProcedureName> = Exclude<ParameterOf<N>['name'], DefaultedName<N>>;

/** A value for one parameter; objects are sent as JSON (for jsonb parameters). */
export type ProcedureArgument = string | number | null | Readonly<Record<string, unknown>>;

/**
 * Arguments keyed by SQL parameter name: a wrapper that names a parameter the
 * registry does not have, or leaves out one without a default, does not compile.
 * An omitted defaulted parameter is left out of the call, so the SQL default applies.
 */
export type ProcedureArguments<N extends ProcedureName> = {
  readonly [K in RequiredName<N>]: ProcedureArgument;
} & {
  readonly [K in DefaultedName<N>]?: ProcedureArgument | undefined;
};
