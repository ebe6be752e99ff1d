// The upload pipeline: a quarantined file becomes a clean version only when
// every step has passed — type from magic bytes against the allow-list,
// ClamAV, then sanitising (qpdf for PDFs, sharp for images, UTF-8 check for
// text). Anything else is rejected with a reason the uploader can read, or,
// when the scanner cannot give a verdict, stays pending: it never fails open.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { detectType, type AllowedType } from './detect-type.ts';
import { PdfRefused, sanitisePdf } from './sanitise-pdf.ts';
import { refusal } from './reasons.ts';
import { ImageRefused, reencodeImage } from './reencode-image.ts';
import type { StreamedChecks } from './one-pass.ts';
import { scanFile } from './scan-file.ts';

export interface PipelineSettings {
  clamdSocket: string;
  clamdTimeoutMs: number;
  maxPixels: number;
  /** a private directory for the steps' temporary files */
  workDir: string;
}

export type PipelineOutcome =
  | { status: 'clean'; path: string; type: AllowedType; size: number; sha256: Buffer;
    /** the object the one pass stored while the body arrived (text): the version's object, nothing left to put */
    storedKey?: string }
  | { status: 'rejected'; reason: string; signature?: string }
  | { status: 'pending'; reason: string };

/**
 * Runs every step on `input`; a clean outcome's `path` is the sanitised file to store.
 * `streamed`: what the upload's one pass worked out while the bytes arrived (one-pass.ts) —
 * the scan's verdict, the text check, the hash, a staged object — instead of reading the file
 * for each; the file-type and ZIP checks read the file's first and last bytes either way.
 * A staged object not used by a clean outcome is left for the caller to remove (`discard`).
 */
export async function runPipeline(input: string, output: string, settings: PipelineSettings, streamed?: StreamedChecks): Promise<PipelineOutcome> {
  const detected = await detectType(input, streamed?.text);
  if (!detected.ok) return { status: 'rejected', reason: detected.reason };

  const verdict = streamed ? await streamed.scan : await scanFile(input, settings.clamdSocket, settings.clamdTimeoutMs);
  if (verdict.verdict === 'infected') return { status: 'rejected', reason: refusal('malware', verdict.signature), signature: verdict.signature };
  if (verdict.verdict === 'too_large') return { status: 'rejected', reason: verdict.reason };
  if (verdict.verdict !== 'clean') return { status: 'pending', reason: verdict.reason };

  let type: AllowedType = detected.type;
  if (type === 'text/plain' && streamed) {
    // stored as it arrived: the file is the output, its hash the one the pass took
    const stored = streamed.staged ? await streamed.staged.stored : undefined;
    if (stored && streamed.staged) return { status: 'clean', path: input, type, size: streamed.size, sha256: streamed.sha256, storedKey: streamed.staged.key };
    return { status: 'clean', path: input, type, size: streamed.size, sha256: streamed.sha256 };
  }
  try {
    if (type === 'application/pdf') await sanitisePdf(input, output, settings.workDir);
    else if (type === 'text/plain') await copyFile(input, output);
    else type = await reencodeImage(input, output, type, settings.maxPixels);
  } catch (error) {
    if (error instanceof PdfRefused || error instanceof ImageRefused) return { status: 'rejected', reason: error.message };
    throw error;
  }
  const hash = createHash('sha256');
  await pipeline(createReadStream(output), hash);
  return { status: 'clean', path: output, type, size: (await stat(output)).size, sha256: hash.digest() };
}
