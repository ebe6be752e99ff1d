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
import { ImageRefused, reencodeImage } from './reencode-image.ts';
import { scanFile } from './scan-file.ts';

export interface PipelineSettings {
  clamdSocket: string;
  clamdTimeoutMs: number;
  maxPixels: number;
  /** a private directory for the steps' temporary files */
  workDir: string;
}

export type PipelineOutcome =
  | { status: 'clean'; path: string; type: AllowedType; size: number; sha256: Buffer }
  | { status: 'rejected'; reason: string; signature?: string }
  | { status: 'pending'; reason: string };

/** Runs every step on `input`; a clean outcome's `path` is the sanitised file to store. */
export async function runPipeline(input: string, output: string, settings: PipelineSettings): Promise<PipelineOutcome> {
  const detected = await detectType(input);
  if (!detected.ok) return { status: 'rejected', reason: detected.reason };

  const scan = await scanFile(input, settings.clamdSocket, settings.clamdTimeoutMs);
  if (scan.verdict === 'infected') return { status: 'rejected', reason: `malware found (${scan.signature})`, signature: scan.signature };
  if (scan.verdict === 'too_large') return { status: 'rejected', reason: scan.reason };
  if (scan.verdict !== 'clean') return { status: 'pending', reason: scan.reason };

  let type: AllowedType = detected.type;
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
