import type { ModelStreamEvent } from "./model-client.js";
import type { TurnResult } from "./thread-session.js";

/**
 * What a running turn reports as it goes: the model's stream events (tagged with the 1-based
 * model call they belong to) and the dynamic tool calls it runs. Display only; the rollout gets
 * the finished items (see `ThreadSession.runTurn`).
 */
export type TurnEvent =
  | (ModelStreamEvent & { modelCall: number })
  | { type: "tool_call_started"; callId: string; tool: string; arguments: string }
  | { type: "tool_call_finished"; callId: string; tool: string; output: string; success: boolean };

/** Receives a turn's events. A listener that throws during a model call fails that call. */
export type TurnEventListener = (event: TurnEvent) => void;

/**
 * A running turn as an async iterable of its events, plus its outcome. Iterating ends when the
 * turn ends; it throws the turn's error if it failed. Events not yet consumed are buffered.
 *
 * @example
 * const turn = session.streamTurn({ userText: "hi", model });
 * for await (const event of turn) if (event.type === "output_text_delta") process.stdout.write(event.delta);
 * const result = await turn.result;
 */
export class TurnStream implements AsyncIterable<TurnEvent> {
  /** Settles when the turn ends, like `runTurn`. */
  readonly result: Promise<TurnResult>;
  readonly #buffer: TurnEvent[] = [];
  #wake: (() => void) | undefined;
  #done = false;
  #failure: { error: unknown } | undefined;

  /** @internal Built by `ThreadSession.streamTurn`; `run` gets the listener to report to. */
  constructor(run: (listener: TurnEventListener) => Promise<TurnResult>) {
    this.result = run((event) => this.#push(event)).then(
      (value) => {
        this.#finish();
        return value;
      },
      (error: unknown) => {
        this.#finish({ error });
        throw error;
      },
    );
    // The caller may only iterate; the failure is then reported by the iterator.
    this.result.catch(() => undefined);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<TurnEvent> {
    for (;;) {
      const next = this.#buffer.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.#done) {
        if (this.#failure) throw this.#failure.error;
        return;
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #push(event: TurnEvent): void {
    this.#buffer.push(event);
    this.#signal();
  }

  #finish(failure?: { error: unknown }): void {
    this.#done = true;
    this.#failure = failure;
    this.#signal();
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
