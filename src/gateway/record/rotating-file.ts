import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';

export interface RotationOptions {
  /** Size at which the current file is rotated (default 64 MiB). */
  readonly maxBytes?: number;
  /** Files kept in total: `F`, `F.1` … `F.(maxFiles-1)`; the oldest is deleted (default 5). */
  readonly maxFiles?: number;
}

/**
 * An append-only file that rotates by size (`F` → `F.1` → `F.2`…), so a long recording never fills the disk: at most
 * `maxBytes × maxFiles` bytes. Lines are never split across files. Not safe for concurrent writers: one owner.
 */
export class RotatingFile {
  private handle: FileHandle | undefined;
  private size = 0;
  readonly maxBytes: number;
  readonly maxFiles: number;
  rotations = 0;

  constructor(readonly path: string, o: RotationOptions = {}) {
    this.maxBytes = o.maxBytes ?? 64 * 1024 * 1024;
    this.maxFiles = Math.max(1, o.maxFiles ?? 5);
  }

  async open(): Promise<void> {
    this.handle = await open(this.path, 'a', 0o600);
    this.size = (await stat(this.path)).size;
  }

  /** Appends whole lines (each ending in "\n"); rotates before a write that would pass the size limit. */
  async write(text: string): Promise<void> {
    if (!this.handle) await this.open();
    const bytes = Buffer.byteLength(text);
    if (this.size > 0 && this.size + bytes > this.maxBytes) await this.rotate();
    await this.handle!.write(text);
    this.size += bytes;
  }

  private async rotate(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    if (this.maxFiles === 1) await rm(this.path, { force: true });
    else {
      await rm(`${this.path}.${this.maxFiles - 1}`, { force: true });
      for (let i = this.maxFiles - 2; i >= 1; i--) await rename(`${this.path}.${i}`, `${this.path}.${i + 1}`).catch(() => undefined);
      await rename(this.path, `${this.path}.1`);
    }
    this.rotations++;
    await this.open();
  }

  async close(): Promise<void> {
    await this.handle?.sync().catch(() => undefined);
    await this.handle?.close();
    this.handle = undefined;
  }
}
