// A streaming zip writer (PKWARE APPNOTE 6.3): each entry is given whole (a message is at most
// maxMessageSize), deflated when that makes it smaller, and written at once; only the central
// directory (about 100 bytes an entry) stays in memory. ZIP64 records are added when the archive
// passes 65 535 entries or 4 GiB.
import type { Writable } from 'node:stream';
import { crc32, deflateRaw } from 'node:zlib';
import { promisify } from 'node:util';
import { writeOut } from './write-out.ts';

const deflate = promisify(deflateRaw);
const MAX32 = 0xffffffff;
const UTF8_NAMES = 0x0800;

interface Central {
  name: Buffer;
  crc: number;
  method: number;
  csize: number;
  usize: number;
  time: number;
  date: number;
  offset: number;
  mode: number;
}

function dosTime(d: Date): { time: number; date: number } {
  const year = Math.max(1980, d.getFullYear());
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

export class ZipWriter {
  private offset = 0;
  private readonly entries: Central[] = [];

  constructor(private readonly out: Writable) {}

  private async put(b: Buffer): Promise<void> {
    await writeOut(this.out, b);
    this.offset += b.length;
  }

  /** A folder entry; `name` ends with `/`. */
  async addFolder(name: string, mtime = new Date()): Promise<void> {
    await this.add(name.endsWith('/') ? name : name + '/', Buffer.alloc(0), mtime, 0o40755);
  }

  async addFile(name: string, data: Buffer, mtime = new Date()): Promise<void> {
    await this.add(name, data, mtime, 0o100644);
  }

  private async add(name: string, data: Buffer, mtime: Date, mode: number): Promise<void> {
    const nameBytes = Buffer.from(name, 'utf8');
    const packed = data.length > 64 ? await deflate(data) : data;
    const method = packed.length < data.length ? 8 : 0;
    const body = method === 8 ? packed : data;
    const { time, date } = dosTime(mtime);
    const entry: Central = {
      name: nameBytes,
      crc: crc32(data),
      method,
      csize: body.length,
      usize: data.length,
      time,
      date,
      offset: this.offset,
      mode,
    };
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    h.writeUInt16LE(UTF8_NAMES, 6);
    h.writeUInt16LE(method, 8);
    h.writeUInt16LE(time, 10);
    h.writeUInt16LE(date, 12);
    h.writeUInt32LE(entry.crc, 14);
    h.writeUInt32LE(entry.csize, 18);
    h.writeUInt32LE(entry.usize, 22);
    h.writeUInt16LE(nameBytes.length, 26);
    h.writeUInt16LE(0, 28);
    this.entries.push(entry);
    await this.put(Buffer.concat([h, nameBytes, body]));
  }

  /** Writes the central directory; the caller ends the stream. */
  async finish(): Promise<void> {
    const start = this.offset;
    for (const e of this.entries) {
      const far = e.offset >= MAX32;
      const extra = far ? Buffer.alloc(12) : Buffer.alloc(0);
      if (far) {
        extra.writeUInt16LE(0x0001, 0);
        extra.writeUInt16LE(8, 2);
        extra.writeBigUInt64LE(BigInt(e.offset), 4);
      }
      const h = Buffer.alloc(46);
      h.writeUInt32LE(0x02014b50, 0);
      h.writeUInt16LE((3 << 8) | 45, 4); // made by: Unix, 4.5
      h.writeUInt16LE(far ? 45 : 20, 6);
      h.writeUInt16LE(UTF8_NAMES, 8);
      h.writeUInt16LE(e.method, 10);
      h.writeUInt16LE(e.time, 12);
      h.writeUInt16LE(e.date, 14);
      h.writeUInt32LE(e.crc, 16);
      h.writeUInt32LE(e.csize, 20);
      h.writeUInt32LE(e.usize, 24);
      h.writeUInt16LE(e.name.length, 28);
      h.writeUInt16LE(extra.length, 30);
      h.writeUInt32LE(((e.mode << 16) | (e.mode & 0o40000 ? 0x10 : 0)) >>> 0, 38);
      h.writeUInt32LE(far ? MAX32 : e.offset, 42);
      await this.put(Buffer.concat([h, e.name, extra]));
    }
    const size = this.offset - start;
    const count = this.entries.length;
    const zip64 = count > 0xffff || start >= MAX32 || size >= MAX32;
    if (zip64) {
      const rec = Buffer.alloc(56);
      const at = this.offset;
      rec.writeUInt32LE(0x06064b50, 0);
      rec.writeBigUInt64LE(44n, 4);
      rec.writeUInt16LE((3 << 8) | 45, 12);
      rec.writeUInt16LE(45, 14);
      rec.writeBigUInt64LE(BigInt(count), 24);
      rec.writeBigUInt64LE(BigInt(count), 32);
      rec.writeBigUInt64LE(BigInt(size), 40);
      rec.writeBigUInt64LE(BigInt(start), 48);
      const loc = Buffer.alloc(20);
      loc.writeUInt32LE(0x07064b50, 0);
      loc.writeBigUInt64LE(BigInt(at), 8);
      loc.writeUInt32LE(1, 16);
      await this.put(Buffer.concat([rec, loc]));
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(Math.min(count, 0xffff), 8);
    end.writeUInt16LE(Math.min(count, 0xffff), 10);
    end.writeUInt32LE(Math.min(size, MAX32), 12);
    end.writeUInt32LE(Math.min(start, MAX32), 16);
    await this.put(end);
  }
}
