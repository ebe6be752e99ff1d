// The shape of a daily audit export: one JSON line per chained event and a
// manifest (count, first/last hash) that the OpenPGP signature covers. The
// exporter writes it, the offline verifier reads it.
import type { ChainedEvent } from './canonical.ts';

export interface ExportLine {
  seq: number;
  prevHash: string;
  hash: string;
  event: ChainedEvent;
}

export interface ExportManifest {
  format: 'kastell-audit-export/1';
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
}
