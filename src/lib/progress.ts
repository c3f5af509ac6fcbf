// A one-line progress bar for long CLI work, drawn only on a terminal (the caller checks isTTY):
// "[██████░░░░] 45,000/100,000 rows  22,134 rows/s  ETA 3s", redrawn in place at most every 100 ms.

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(s: string): unknown;
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');

/** "3s", "1m 05s", "2h 03m". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The line itself: done out of total (when known), the rate so far, and the time left at that rate. */
export function progressLine(p: { done: number; total?: number | undefined; elapsedMs: number; columns?: number | undefined; unit?: string }): string {
  const unit = p.unit ?? 'rows';
  const rate = p.elapsedMs > 0 ? (p.done * 1000) / p.elapsedMs : 0;
  if (p.total === undefined) return `${n(p.done)} ${unit}  ${n(rate)} ${unit}/s`;
  const total = Math.max(p.total, p.done);
  const eta = rate > 0 ? duration((total - p.done) / rate) : '?';
  const text = ` ${n(p.done)}/${n(total)} ${unit}  ${n(rate)} ${unit}/s  ETA ${eta}`;
  const width = Math.max(10, Math.min(40, (p.columns || 80) - text.length - 3));
  const filled = total > 0 ? Math.round((p.done / total) * width) : width;
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]${text}`;
}

/** Draws progressLine on `stream`, in place, at most once every `everyMs`; finish() draws the last and ends the line. */
export function progressBar(stream: ProgressStream, o: { total?: number | undefined; unit?: string; everyMs?: number; now?: () => number } = {}) {
  const now = o.now ?? (() => performance.now());
  const everyMs = o.everyMs ?? 100;
  const started = now();
  let drawnAt = -Infinity;
  const draw = (done: number) => {
    drawnAt = now();
    stream.write(`\r${progressLine({ done, total: o.total, elapsedMs: drawnAt - started, columns: stream.columns, ...(o.unit ? { unit: o.unit } : {}) })}\x1b[K`);
  };
  return {
    update(done: number) {
      if (now() - drawnAt >= everyMs) draw(done);
    },
    finish(done: number) {
      draw(done);
      stream.write('\n');
    },
  };
}
