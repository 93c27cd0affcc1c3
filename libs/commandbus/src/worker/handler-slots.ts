// The worker's `concurrency`: how many deliveries may be between their read
// and the end of their handler. A delivery whose handler has returned and
// whose finish only waits for its group to be written gives its slot back
// early (see CompletionBatcher.hasRoom), so the next read overlaps the finish.

/** One delivery's hold on a slot. Releasing twice is harmless. */
export interface HandlerSlot {
  release(): void;
}

export class HandlerSlots {
  readonly capacity: number;
  readonly #onRelease: () => void;
  #taken = 0;

  constructor(capacity: number, onRelease: () => void) {
    this.capacity = capacity;
    this.#onRelease = onRelease;
  }

  get free(): number {
    return this.capacity - this.#taken;
  }

  get taken(): number {
    return this.#taken;
  }

  take(): HandlerSlot {
    this.#taken += 1;
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        this.#taken -= 1;
        this.#onRelease();
      },
    };
  }
}
