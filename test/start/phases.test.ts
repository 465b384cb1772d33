import { describe, expect, it } from 'vitest';
import { StartupPhases } from '../../src/start/phases.js';

describe('start phases', () => {
  it('records each phase in the order it ended, failed ones too, as whole milliseconds', async () => {
    const phases = new StartupPhases();
    expect(await phases.time('config', () => 'parsed')).toBe('parsed');
    await expect(phases.time('database', async () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    await phases.time('listen', async () => {});
    const recorded = phases.toJSON();
    expect(Object.keys(recorded)).toEqual(['modules', 'config', 'database', 'listen']);
    for (const ms of Object.values(recorded)) expect(Number.isInteger(ms) && ms >= 0).toBe(true);
    expect(String(phases)).toMatch(/^modules \d+ ms, config \d+ ms, database \d+ ms, listen \d+ ms$/);
    expect(phases.elapsedMs()).toBeGreaterThanOrEqual(recorded.modules!);
  });
});
