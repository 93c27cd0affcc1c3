// A promise the test opens by hand: holds a handler, a transaction or a lock
// at a chosen point until the test has seen what it waits for.
export interface Gate {
  /** Settles (fulfilled) once `open()` was called. */
  readonly promise: Promise<void>;
  open(): void;
}

export function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}
