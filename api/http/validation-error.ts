import { DomainError } from '../../core/platform/errors.js';

/** Input that breaks the documented schema; `details.fields` names each field and why. */
export class ValidationError extends DomainError {
  constructor(issues: { field: string; in: string; message: string }[]) {
    super('VALIDATION_FAILED', issues.map((i) => `${i.field}: ${i.message}`).join('; '), { fields: issues });
  }
}
