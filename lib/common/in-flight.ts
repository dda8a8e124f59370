/**
 * Work under way that shutdown waits for, so a write of several steps (tag stamps, then the entry)
 * finishes before the connection closes instead of leaving only its first steps in Redis.
 */
export class InFlight {
  private readonly running = new Set<Promise<unknown>>();

  /** Runs `work` and remembers it until it settles. */
  track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    const forget = () => this.running.delete(work);
    work.then(forget, forget);
    return work;
  }

  /**
   * Resolves once everything tracked now (and `also`) has settled, or after `timeoutMs`, whichever
   * comes first.
   */
  async settle(timeoutMs: number, also: Iterable<Promise<unknown>> = []): Promise<void> {
    const all = Promise.allSettled([...this.running, ...also]);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([all, timedOut]);
    clearTimeout(timer);
  }
}
