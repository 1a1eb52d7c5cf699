/** The most recent log records, kept in memory for the panel's troubleshooting view. */
export class LogBuffer {
  private readonly records: Record<string, unknown>[] = [];

  constructor(readonly capacity: number) {}

  push(record: Record<string, unknown>): void {
    this.records.push(record);
    if (this.records.length > this.capacity) this.records.splice(0, this.records.length - this.capacity);
  }

  /** the last `lines` records, oldest first */
  recent(lines: number): Record<string, unknown>[] {
    const n = Math.max(0, Math.min(lines, this.records.length));
    return this.records.slice(this.records.length - n);
  }
}
