/**
 * Domain errors carry a stable machine-readable code. Domain code never knows HTTP statuses:
 * api/http/error-handler.ts maps codes to statuses, workers log them.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const isDomainError = (err: unknown): err is DomainError => err instanceof DomainError;
