/**
 * Click onset detection shared by the audio tests and the QEMU lab's analysis. No imports, so
 * the lab's host bundle stays free of the test harness.
 */

/** Sample positions where a click starts: crossing `threshold` after at least `gapMs` of quiet. */
export function onsetsAt(x: Float32Array, rate: number, threshold: number, gapMs: number): number[] {
  const gap = Math.round((gapMs / 1000) * rate);
  const found: number[] = [];
  let lastLoud = -Infinity;
  for (let i = 0; i < x.length; i++) {
    if (Math.abs(x[i]!) >= threshold) {
      if (i - lastLoud > gap) found.push(i);
      lastLoud = i;
    }
  }
  return found;
}
