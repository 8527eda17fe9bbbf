import { describe, expect, it } from "vitest";
import { MonotonicClock } from "../../src/internal/monotonic-clock.js";

describe("MonotonicClock", () => {
  it("uses a candidate newer than the mark as-is", () => {
    const clock = new MonotonicClock(1000);
    expect([clock.allocate(5000), clock.mark]).toEqual([5000, 5000]);
  });

  it("turns a candidate equal to the mark into mark + 1", () => {
    const clock = new MonotonicClock(5000);
    expect([clock.allocate(5000), clock.allocate(5000)]).toEqual([5001, 5002]);
  });

  it("keeps a candidate exactly one second older than the mark unchanged", () => {
    const clock = new MonotonicClock(5000);
    expect([clock.allocate(4000), clock.mark]).toEqual([4000, 5000]);
  });

  it("raises the mark with observe but never lowers it", () => {
    const clock = new MonotonicClock(5000);
    clock.observe(9000);
    clock.observe(100);
    expect(clock.mark).toBe(9000);
  });
});
