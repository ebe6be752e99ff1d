// The shape of a daily audit export: one JSON line per chained event and a
// manifest (count, first/last hash) that the OpenPGP signature covers. The
// exporter writes it, the offline verifier reads it. Format 2 adds each
// event's Ed25519 signature and key id, and the public event keys in the
// signed manifest, so the verifier needs nothing but the OpenPGP public key.
import type { ChainedEvent } from './canonical.ts';

export interface ExportLine {
  seq: number;
  prevHash: string;
  hash: string;
  event: ChainedEvent;
  /** format 2: the writer's signature over the event (base64) and its key id; null in the unsigned stretch */
  keyId?: string | null;
  signature?: string | null;
}

export interface ExportManifest {
  format: 'kastell-audit-export/1' | 'kastell-audit-export/2';
  day: string;
  count: number;
  firstSeq: number | null;
  lastSeq: number | null;
  firstPrevHash: string | null;
  lastHash: string | null;
  previousCheckpoint: { seq: number; hash: string } | null;
  eventsFile: string;
  eventsSha256: string;
  createdAt: string;
  /** format 2: links up to here predate event signatures */
  unsignedThrough?: number;
  /** format 2: key id → Ed25519 public key (SPKI PEM) of every key that signed an event in the file */
  eventKeys?: Record<string, string>;
  /** set when the exporter found a link without a valid seal: such an export never verifies */
  unsealed?: string;
}
