import { isObservable, type Observable } from 'rxjs';

/**
 * One piece of COPY data: bytes, or text sent as UTF-8. Pieces need not end at row boundaries.
 *
 * @example
 * const chunk: CopyChunk = '1\tone\n';
 */
export type CopyChunk = Buffer | Uint8Array | string;

/**
 * What `copyFrom` reads. An Observable pushes its chunks as it likes: rxpg
 * writes them as they come, and the socket buffers what the server has not
 * taken yet. An Iterable or AsyncIterable (a generator, a Node Readable
 * stream) is pulled only while the socket has room, so memory stays bounded
 * however large the source.
 *
 * @example
 * client.copyFrom('copy t from stdin', createReadStream('t.tsv')); // a Readable: pulled
 * client.copyFrom('copy t from stdin', ['1\tone\n', '2\ttwo\n']); // an array
 */
export type CopySource = Observable<CopyChunk> | Iterable<CopyChunk> | AsyncIterable<CopyChunk>;

/** Where a source's chunks go. @internal */
export interface ChunkSink {
  /** Takes a chunk; false asks a pulled source to wait for {@link whenRoom} first. */
  push(chunk: CopyChunk): boolean;
  /** Calls `resume` once there is room again; returns a function that cancels the wait. */
  whenRoom(resume: () => void): () => void;
  complete(): void;
  error(error: unknown): void;
}

type Step = IteratorResult<CopyChunk> | PromiseLike<IteratorResult<CopyChunk>>;

/**
 * Starts reading `source` into `sink`; returns a function that stops reading
 * (unsubscribes, or returns the iterator) and is safe to call at any time.
 * @internal
 */
export function readSource(source: CopySource | string, sink: ChunkSink): () => void {
  // A string is iterable character by character; it is meant as one chunk.
  if (typeof source === 'string') return pull([source][Symbol.iterator](), sink);
  if (isObservable(source)) {
    const subscription = source.subscribe({
      next: (chunk) => sink.push(chunk),
      error: (error: unknown) => sink.error(error),
      complete: () => sink.complete(),
    });
    return () => subscription.unsubscribe();
  }
  if (Symbol.asyncIterator in source) return pull(source[Symbol.asyncIterator](), sink);
  return pull(source[Symbol.iterator](), sink);
}

/**
 * Pulls one chunk at a time, synchronously while the iterator is, pausing while the sink is full.
 */
function pull(
  iterator: Iterator<CopyChunk> | AsyncIterator<CopyChunk>,
  sink: ChunkSink,
): () => void {
  /** Set once the source ended, failed or was stopped: nothing more is pulled or reported. */
  let stopped = false;
  /** Cancels the wait for room, while one is pending. */
  let cancelWait: (() => void) | undefined;

  const fail = (error: unknown): void => {
    if (stopped) return;
    stopped = true;
    sink.error(error);
  };
  /** Handles one result; true when the next one may be pulled at once. */
  const take = (result: IteratorResult<CopyChunk>): boolean => {
    if (stopped) return false;
    if (result.done === true) {
      stopped = true;
      sink.complete();
      return false;
    }
    if (sink.push(result.value)) return true;
    cancelWait = sink.whenRoom(() => {
      cancelWait = undefined;
      run();
    });
    return false;
  };
  const run = (): void => {
    while (!stopped) {
      let step: Step;
      try {
        step = iterator.next();
      } catch (error) {
        return fail(error);
      }
      if (isPromiseLike(step)) {
        step.then((result) => take(result) && run(), fail);
        return;
      }
      if (!take(step)) return;
    }
  };

  run();
  return () => {
    if (stopped) return;
    stopped = true;
    cancelWait?.();
    try {
      // Lets a generator run its finally blocks, a Readable stream close its file.
      const returned: Step | undefined = iterator.return?.();
      if (returned !== undefined && isPromiseLike(returned)) returned.then(undefined, ignore);
    } catch {
      // The source is being abandoned; its own cleanup failing changes nothing.
    }
  };
}

function isPromiseLike(step: Step): step is PromiseLike<IteratorResult<CopyChunk>> {
  return typeof (step as Partial<PromiseLike<unknown>>).then === 'function';
}

function ignore(): void {}
