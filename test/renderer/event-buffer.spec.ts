import { describe, expect, it } from 'vitest';
import { EventBuffer, type BufferSnapshot } from '../../renderer/src/lib/event-buffer.ts';

describe('EventBuffer', () => {
  it('shows entries as they arrive', () => {
    const b = new EventBuffer<number>();
    b.push(1, 2);
    b.push(3);
    expect(b.snapshot()).toEqual({ entries: [1, 2, 3], paused: false, pending: 0, dropped: 0 });
  });

  it('holds entries while paused and appends them in order on resume', () => {
    const b = new EventBuffer<number>();
    b.push(1);
    b.pause();
    b.push(2, 3);
    b.push(4);
    expect(b.snapshot().entries).toEqual([1]);
    expect(b.snapshot().pending).toBe(3);
    expect(b.all()).toEqual([1, 2, 3, 4]);
    b.resume();
    expect(b.snapshot()).toEqual({ entries: [1, 2, 3, 4], paused: false, pending: 0, dropped: 0 });
  });

  it('keeps more than the visible capacity while paused', () => {
    const b = new EventBuffer<number>(3, 100);
    b.pause();
    for (let i = 0; i < 50; i++) b.push(i);
    expect(b.snapshot().pending).toBe(50);
    expect(b.snapshot().dropped).toBe(0);
    b.resume();
    // The newest `capacity` stay visible; all 50 passed through the view in order.
    expect(b.snapshot().entries).toEqual([47, 48, 49]);
  });

  it('drops the oldest beyond capacity and counts them', () => {
    const b = new EventBuffer<number>(3);
    b.push(1, 2, 3, 4, 5);
    expect(b.snapshot().entries).toEqual([3, 4, 5]);
    expect(b.snapshot().dropped).toBe(2);
    const p = new EventBuffer<number>(3, 4);
    p.pause();
    p.push(1, 2, 3, 4, 5, 6);
    expect(p.snapshot().pending).toBe(4);
    expect(p.snapshot().dropped).toBe(2);
  });

  it('notifies subscribers, toggles and clears', () => {
    const b = new EventBuffer<string>();
    const seen: BufferSnapshot<string>[] = [];
    const off = b.subscribe((s) => seen.push(s));
    b.push('a');
    b.toggle();
    b.push('b');
    b.toggle();
    off();
    b.push('c');
    expect(seen.map((s) => [s.entries.join(''), s.paused, s.pending])).toEqual([
      ['', false, 0],
      ['a', false, 0],
      ['a', true, 0],
      ['a', true, 1],
      ['ab', false, 0],
    ]);
    b.clear();
    expect(b.snapshot().entries).toEqual([]);
  });
});
