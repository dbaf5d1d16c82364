/** Clocks and memory gauges of a child process. */
import { BYTES_PER_MB, type RunResult } from './shared';

const KB_PER_MB = 1024;
const NS_PER_SECOND = 1e9;
const NS_PER_US = 1000n;

/** The timed part of a run, started after the client has connected. */
export interface Timing {
  /** Ends the timed part and reports it with the process's peak RSS. */
  finish(count: number, extra?: Partial<RunResult>): RunResult;
}

export function startTiming(): Timing {
  const startRssMB = process.memoryUsage.rss() / BYTES_PER_MB;
  const started = process.hrtime.bigint();
  return {
    finish(count, extra = {}) {
      const finished = process.hrtime.bigint();
      const seconds = Number(finished - started) / NS_PER_SECOND;
      const windowUs = [Number(started / NS_PER_US), Number(finished / NS_PER_US)] as const;
      return { ok: true, count, seconds, startRssMB, maxRssMB: peakRssMB(), windowUs, ...extra };
    },
  };
}

/** The high-water mark of this process's resident set (getrusage ru_maxrss), in MB. */
export function peakRssMB(): number {
  return process.resourceUsage().maxRSS / KB_PER_MB;
}

/** Tells a slow consumer to give up once the process holds more than the limit. */
export function overRssLimit(limitMB: number): boolean {
  return process.memoryUsage.rss() > limitMB * BYTES_PER_MB;
}

export function stoppedAtLimit(limitMB: number): string {
  return `stopped at the ${limitMB.toLocaleString('en-US')} MB RSS limit`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The sum 0 + 1 + ... + (count - 1): what the pool scenario's answers add up to. */
export function expectedPoolSum(count: number): number {
  return (count * (count - 1)) / 2;
}

export function checkPoolSum(actual: number, count: number): void {
  const expected = expectedPoolSum(count);
  if (actual !== expected) throw new Error(`answers add up to ${actual}, expected ${expected}`);
}
