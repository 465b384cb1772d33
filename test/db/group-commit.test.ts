import { describe, expect, it, vi } from 'vitest';
import { GroupCommit, NEXT_GROUP } from '../../src/db/group-commit.js';

/** A run that records the groups it was given and answers each item doubled, after a tick. */
function recorder(answer: (items: readonly number[]) => Array<number | typeof NEXT_GROUP> = (items) => items.map((item) => item * 2)) {
  const groups: number[][] = [];
  const run = async (items: readonly number[]) => {
    groups.push([...items]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    return answer(items);
  };
  return { groups, run };
}

describe('GroupCommit', () => {
  it('runs an item alone at once while a slot is free, and what comes meanwhile together in the next group', async () => {
    const { groups, run } = recorder();
    const commits = new GroupCommit({ run, concurrency: 1, maxItems: 10 });
    const results = await Promise.all([1, 2, 3, 4].map((item) => commits.submit(item)));
    expect(results).toEqual([2, 4, 6, 8]);
    expect(groups).toEqual([[1], [2, 3, 4]]);
  });

  it('keeps groups within maxItems and runs up to `concurrency` of them at once', async () => {
    const { groups, run } = recorder();
    const commits = new GroupCommit({ run, concurrency: 2, maxItems: 2 });
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map((item) => commits.submit(item)));
    expect(results).toEqual([2, 4, 6, 8, 10, 12]);
    expect(groups).toEqual([[1], [2], [3, 4], [5, 6]]);
  });

  it('puts an item the group answers NEXT_GROUP into the next group, ahead of later ones', async () => {
    const groups: number[][] = [];
    const releases: Array<() => void> = [];
    const commits = new GroupCommit<number, number>({
      concurrency: 1,
      maxItems: 10,
      run: async (items) => {
        groups.push([...items]);
        await new Promise<void>((release) => releases.push(release));
        return items.map((item, index) => (index > 0 && item === 3 && items.includes(2) ? NEXT_GROUP : item * 2));
      },
    });
    const all = [1, 2, 3, 4].map((item) => commits.submit(item));
    releases[0]!(); // [1]
    await vi.waitFor(() => expect(groups).toEqual([[1], [2, 3, 4]]));
    all.push(commits.submit(5)); // while [2, 3, 4] runs
    releases[1]!();
    await vi.waitFor(() => expect(groups).toHaveLength(3));
    releases[2]!();
    expect(await Promise.all(all)).toEqual([2, 4, 6, 8, 10]);
    expect(groups).toEqual([[1], [2, 3, 4], [3, 5]]);
  });

  it('runs a failed group again one item at a time: only the item that fails alone is refused', async () => {
    const { groups, run } = recorder((items) => {
      if (items.includes(3)) throw new Error('item 3 cannot be stored');
      return items.map((item) => item * 2);
    });
    const commits = new GroupCommit({ run, concurrency: 1, maxItems: 10 });
    const settled = await Promise.allSettled([1, 2, 3, 4].map((item) => commits.submit(item)));
    expect(settled.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : (outcome.reason as Error).message))).toEqual([
      2,
      4,
      'item 3 cannot be stored',
      8,
    ]);
    expect(groups).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
  });

  it('refuses a run that puts off its first item (it would never end) or answers the wrong number of items', async () => {
    const putsOffFirst = new GroupCommit<number, number>({ run: async () => [NEXT_GROUP], concurrency: 1, maxItems: 10 });
    await expect(putsOffFirst.submit(1)).rejects.toThrow('a group must answer each item and run its first');
    const answersTooFew = new GroupCommit<number, number>({ run: async () => [], concurrency: 1, maxItems: 10 });
    await expect(answersTooFew.submit(1)).rejects.toThrow('a group must answer each item and run its first');
  });
});
