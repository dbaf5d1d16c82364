import type { Writable } from 'node:stream';
import type { Row } from '../query/columns';
import type { RowFormatter } from './format';

/** Bytes gathered before one write: large enough that writes are few. */
const BATCH_BYTES = 64 * 1024;

/** Formats rows and writes them in batches. */
export class RowWriter {
  private batch: string[] = [];
  private batchLength = 0;
  private first = true;

  constructor(
    private readonly out: Writable,
    private readonly formatter: RowFormatter,
  ) {}

  write(row: Row): void {
    if (this.first) {
      this.first = false;
      this.push(this.formatter.header(row));
    }
    this.push(this.formatter.line(row));
    if (this.batchLength >= BATCH_BYTES) this.flush();
  }

  /** Flushes what is left and waits until the output has taken it. */
  end(): Promise<void> {
    this.flush();
    return new Promise((resolve) => {
      if (this.out === process.stdout) {
        this.out.write('', () => resolve());
      } else {
        this.out.end(() => resolve());
      }
    });
  }

  private push(text: string): void {
    if (text === '') return;
    this.batch.push(text);
    this.batchLength += text.length;
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    this.out.write(this.batch.join(''));
    this.batch = [];
    this.batchLength = 0;
  }
}
