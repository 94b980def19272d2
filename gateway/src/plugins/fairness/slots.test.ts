import { describe, expect, it } from 'vitest';
import { Slots } from './slots.js';

describe('slots', () => {
  it('let a few take one at once; the next waits for one to be given back, in turn', async () => {
    const slots = new Slots(2);
    const first = await slots.take();
    await slots.take();
    const order: string[] = [];
    const third = slots.take().then((release) => {
      order.push('third');
      return release;
    });
    const fourth = slots.take().then(() => order.push('fourth'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(order).toEqual([]);
    first();
    (await third)();
    await fourth;
    expect(order).toEqual(['third', 'fourth']);
  });

  it('count a slot given back twice once', async () => {
    const slots = new Slots(1);
    const release = await slots.take();
    release();
    release();
    await slots.take();
    let waited = true;
    void slots.take().then(() => {
      waited = false;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(waited).toBe(true);
  });
});
