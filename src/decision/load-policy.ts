import { readFileSync } from 'node:fs';
import { AppError, ErrorCodes } from '../errors.js';
import { parsePolicy } from './policy.js';
import type { Policy } from './policy.js';

/**
 * Reads DECISION_POLICY_FILE at startup. Every failure (missing file, bad JSON, bad field) is POLICY_INVALID and
 * names the path, so a misconfigured deployment stops with one clear line instead of deciding with a wrong policy.
 * The only file in decision/ allowed to do I/O.
 */
export function loadPolicyFile(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new AppError(ErrorCodes.POLICY_INVALID, `Cannot read decision policy file ${path}: ${reason}`, {
      cause: error,
    });
  }
  let json: unknown;
  try {
    // Editors on Windows like to prepend a BOM, which JSON.parse rejects.
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new AppError(ErrorCodes.POLICY_INVALID, `Decision policy file ${path} is not valid JSON: ${reason}`, {
      cause: error,
    });
  }
  return parsePolicy(json, path);
}
