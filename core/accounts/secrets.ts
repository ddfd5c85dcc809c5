import { createHash, randomBytes } from 'node:crypto';

export const newSecret = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/** Session and API tokens are stored only as hashes: a leaked database grants nobody access. */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');
