import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, VisageError, invalidOption } from '../../src/errors.js';
import { REPO_DIR } from '../helpers/paths.js';

describe('error catalogue', () => {
  it('documents every code in docs/errors.md with its status and exit code', async () => {
    const doc = await readFile(join(REPO_DIR, 'docs', 'errors.md'), 'utf8');
    for (const [code, spec] of Object.entries(ERROR_CODES)) {
      expect(doc, code).toContain(`| \`${code}\` | ${spec.status} | ${spec.exitCode} |`);
    }
  });

  it('carries status and exit code and serialises to {code, message}', () => {
    const error = new VisageError('VSG_IMAGE_TOO_LARGE', 'too big');
    expect([error.status, error.exitCode]).toEqual([413, 65]);
    expect(JSON.parse(JSON.stringify(error))).toEqual({ code: 'VSG_IMAGE_TOO_LARGE', message: 'too big' });
  });

  it('names the option, the expectation and the received value and type', () => {
    expect(invalidOption('maxFaces', 'a positive integer', 'ten').message).toBe('Option "maxFaces" must be a positive integer; received "ten" (string).');
  });
});
