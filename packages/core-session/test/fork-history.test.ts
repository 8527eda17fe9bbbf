import { newThreadId } from "@skein/protocol";
import { describe, expect, it } from "vitest";
import { forkHistoryPrefix, InvalidSessionRequestError } from "../src/index.js";
import { legacyTurn, sessionMeta, taskStarted, turnContext, userInput, userMessage } from "./fixtures/items.js";

const META = sessionMeta(newThreadId());
const T0 = legacyTurn("t0", "zero", "a0");
const T1 = legacyTurn("t1", "one", "a1");

describe("forkHistoryPrefix", () => {
  it("keeps everything without atTurn", () => {
    expect(forkHistoryPrefix([META, ...T0, ...T1])).toEqual([META, ...T0, ...T1]);
  });

  it("keeps turns [0, atTurn), cutting at the turn's start event", () => {
    expect(forkHistoryPrefix([META, ...T0, ...T1], 1)).toEqual([META, ...T0]);
    expect(forkHistoryPrefix([META, ...T0, ...T1], 0)).toEqual([META]);
  });

  it("cuts before the turn context and input when a history has no start events", () => {
    const turn = [turnContext(), userInput("x"), userMessage("x")];
    expect(forkHistoryPrefix([META, ...turn], 0)).toEqual([META]);
  });

  it("drops an unfinished last turn", () => {
    expect(forkHistoryPrefix([META, ...T0, taskStarted("t1"), userMessage("running")])).toEqual([META, ...T0]);
  });

  it("rejects a negative or fractional atTurn", () => {
    expect(() => forkHistoryPrefix([META], -1)).toThrow(new InvalidSessionRequestError("atTurn must be a non-negative integer, got -1"));
    expect(() => forkHistoryPrefix([META], 1.5)).toThrow(InvalidSessionRequestError);
  });
});
