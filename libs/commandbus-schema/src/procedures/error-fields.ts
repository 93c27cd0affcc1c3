// The error a failure records on its command (last_error_type, _code, _msg):
// each part is optional text, checked alike by every procedure that writes it.
import { assertOptionalString } from '../validation.ts';

export interface ErrorFieldsInput {
  readonly errorType?: string | null;
  readonly errorCode?: string | null;
  readonly errorMsg?: string | null;
}

export function assertErrorFields(input: ErrorFieldsInput): void {
  assertOptionalString('errorType', input.errorType);
  assertOptionalString('errorCode', input.errorCode);
  assertOptionalString('errorMsg', input.errorMsg);
}
