/** Counts rows and reports the rate: a live line on a terminal, a summary at the end. */
export class Progress {
  private rows = 0;
  private readonly started = process.hrtime.bigint();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly out: NodeJS.WriteStream) {
    if (out.isTTY) {
      this.timer = setInterval(() => this.out.write(`\r${this.describe()}\x1b[K`), 250);
      this.timer.unref();
    }
  }

  add(count = 1): void {
    this.rows += count;
  }

  get count(): number {
    return this.rows;
  }

  /** Stops the live line and prints the summary. */
  finish(outcome: string): void {
    if (this.timer !== undefined) {
      clearInterval(this.timer);
      this.out.write('\r\x1b[K');
    }
    this.out.write(`${outcome}: ${this.describe()}\n`);
  }

  private describe(): string {
    const seconds = Number(process.hrtime.bigint() - this.started) / 1e9;
    const rate = seconds > 0 ? Math.round(this.rows / seconds) : 0;
    return `${this.rows} rows in ${seconds.toFixed(2)} s (${rate} rows/s)`;
  }
}
