import { describe, expect, it } from 'vitest';
import { callDeadline } from './deadline.js';

describe("a subgraph call's deadline", () => {
  it('is its own timeout after it starts, when the request has no deadline or a later one', () => {
    const own = { deadline: 1_200, late: 'Subgraph "finance" did not answer within 200 ms' };
    expect(callDeadline('finance', 1_000, 200, undefined)).toEqual(own);
    expect(callDeadline('finance', 1_000, 200, 5_000)).toEqual(own);
    expect(callDeadline('finance', 1_000, 200, 1_200)).toEqual(own);
  });

  it("is the request's deadline when that comes first, and says so", () => {
    expect(callDeadline('workforce', 1_000, 10_000, 1_050)).toEqual({
      deadline: 1_050,
      late: `Subgraph "workforce" did not answer before the request's deadline`,
    });
  });
});
