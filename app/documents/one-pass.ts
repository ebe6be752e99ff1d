// The upload's one pass: while the body streams to quarantine, the same
// chunks feed, in order and with backpressure (the next chunk is taken only
// when every consumer took this one; nothing is held whole in memory):
//   - the SHA-256 of the file,
//   - clamd's INSTREAM scan (its verdict comes after the last byte),
//   - the text check (UTF-8, no control characters, no markup: TextCheck),
//   - for a file that may be plain text — no magic number in its first
//     64 KiB and text so far — the encrypted write to the store, under a new
//     random key that no row names ("staged"). Text is the one type stored as
//     it arrives (images and PDFs are stored re-encoded or sanitised, after
//     the pipeline).
// Nothing of this decides: the pipeline (pipeline.ts) takes the results and
// marks a version clean only when every step passed on the whole file, the
// staged object then becoming the version's object; otherwise the staged
// object is removed. The verdicts are about the bytes in quarantine: the
// scan and the hash counted as many bytes as the file holds, or the pass's
// results are not used.
import { createHash, type Hash } from 'node:crypto';
import { PassThrough, Transform } from 'node:stream';
import { fileTypeFromBuffer } from 'file-type';
import type { DocumentStore, ObjectInfo } from '../storage/store.ts';
import { looksLikeMarkup, TextCheck, type Detected } from './detect-type.ts';
import { openScan, type ScanResult, type ScanStream } from './scan-file.ts';

export interface OnePassOptions {
  clamdSocket: string;
  clamdTimeoutMs: number;
  /** where a possibly-text upload is written while it arrives; absent: never staged */
  stage?: { store: DocumentStore; key: string; owner: string };
}

export interface Staged {
  key: string;
  /** settles when the store has the whole object (or failed: then it is not used) */
  stored: Promise<ObjectInfo | undefined>;
}

/** What the pass worked out, once the whole body passed. */
export interface StreamedChecks {
  size: number;
  sha256: Buffer;
  /** the text check's verdict on the whole file */
  text: Detected;
  scan: Promise<ScanResult>;
  staged?: Staged;
}

/** file-type's sample for a magic number is 4,100 bytes; the text check's markup sniff is 64 KiB: staging waits for both. */
const stageDecisionBytes = 64 * 1024;

export interface OnePass {
  /** the chunks pass through it on their way to the quarantined file */
  transform: Transform;
  /** after the body ended well: the results */
  finish(): Promise<StreamedChecks>;
  /** the body failed: stop the scan, remove a staged object */
  abort(): Promise<void>;
}

export function startOnePass(options: OnePassOptions): OnePass {
  const hash: Hash = createHash('sha256');
  const text = new TextCheck();
  const scan: ScanStream = openScan(options.clamdSocket, options.clamdTimeoutMs);
  let size = 0;
  let staging: { body: PassThrough; staged: Staged } | undefined;
  let stageDecided = options.stage === undefined;
  let pendingHead: Buffer[] = [];

  const startStage = () => {
    const { store, key, owner } = options.stage!;
    const body = new PassThrough({ highWaterMark: 1024 * 1024 });
    body.on('error', () => undefined); // the put's own pipeline reports it: `stored` settles undefined
    const stored = store.put(key, body, undefined, owner).catch(async () => {
      await store.remove(key).catch(() => undefined);
      return undefined;
    });
    staging = { body, staged: { key, stored } };
  };
  const stopStage = async () => {
    if (!staging) return;
    const { body, staged } = staging;
    staging = undefined;
    // ended, not destroyed: the encryption SDK's inner streams throw "Premature close" outside any
    // handler when their source is destroyed mid-message. The put completes with what it had; removed.
    body.end();
    if (await staged.stored) await options.stage!.store.remove(staged.key).catch(() => undefined);
  };
  const feedStage = async (chunk: Buffer) => {
    if (!staging || staging.body.destroyed) return;
    if (!staging.body.write(chunk)) {
      const { body } = staging;
      await new Promise<void>((resolve) => {
        const done = () => { body.off('drain', done); body.off('close', done); resolve(); };
        body.on('drain', done);
        body.on('close', done);
      });
    }
  };
  /** Once the first 64 KiB are there (or the whole body): stage only what may be text. */
  const decideStage = async (ended: boolean) => {
    if (stageDecided) return;
    const head = Buffer.concat(pendingHead);
    if (!ended && head.length < stageDecisionBytes) return;
    stageDecided = true;
    pendingHead = [];
    // a magic number (or file-type failing on the head) means "not text": nothing is staged, the pipeline decides as ever
    const magic = await fileTypeFromBuffer(head).catch(() => 'unreadable' as const);
    if (!text.possible || looksLikeMarkup(text.headBuffer()) || magic !== undefined) return;
    startStage();
    await feedStage(head);
  };

  const transform = new Transform({
    // a 64 KiB chunk: one in the transform, one waiting to be written to the file
    highWaterMark: 64 * 1024,
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      hash.update(chunk);
      text.push(chunk);
      const work: Array<Promise<void>> = [scan.write(chunk)];
      if (!stageDecided) {
        pendingHead.push(chunk);
        work.push(decideStage(false));
      } else if (staging) {
        if (!text.possible) work.push(stopStage());
        else work.push(feedStage(chunk));
      }
      Promise.all(work).then(() => done(null, chunk), done);
    },
  });

  return {
    transform,
    async finish() {
      await decideStage(true);
      const verdict = text.finish();
      if (!verdict.ok) await stopStage();
      staging?.body.end();
      // clean only for the very bytes in quarantine (a scan that ended early has no clean verdict anyway)
      const scanned = scan.end().then((outcome): ScanResult => outcome.verdict === 'clean' && scan.bytes !== size
        ? { verdict: 'unavailable', reason: 'the virus scanner did not see the whole file' } : outcome);
      const result: StreamedChecks = { size, sha256: hash.digest(), text: verdict, scan: scanned };
      if (staging) result.staged = staging.staged;
      return result;
    },
    async abort() {
      scan.abort();
      await stopStage();
    },
  };
}
