// PDFs lose their active content through qpdf's JSON round trip (qpdf 11.3,
// Debian 12, has no --remove-* options for this): qpdf writes every object as
// JSON (stream data raw, into files beside it, so nothing is decoded or held
// in memory), we drop JavaScript, OpenAction, additional actions (AA),
// Launch and other dangerous actions, embedded files and XFA, qpdf rebuilds
// the PDF from the edited JSON (keeping only what is still reachable), and
// the result is read back with qpdf and checked to contain none of them.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { refusal } from './reasons.ts';

const run = promisify(execFile);

/** Keys whose value is active content (or leads to it), wherever they are. */
export const activeKeys = new Set(['/JavaScript', '/JS', '/OpenAction', '/AA', '/EmbeddedFiles', '/XFA', '/EF', '/RichMediaContent']);
/** Action types (`/S`) that run code, start programs, send data or open embedded files. */
export const activeActions = new Set(['/JavaScript', '/Launch', '/ImportData', '/Rendition', '/RichMediaExecute', '/GoToE', '/SubmitForm']);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type QpdfObject = { value?: Json; stream?: { dict: Record<string, Json>; datafile?: string; data?: string } };

export class PdfRefused extends Error {}

const isDict = (value: Json): value is { [key: string]: Json } => typeof value === 'object' && value !== null && !Array.isArray(value);
const isActiveDict = (value: Json) => isDict(value) && ((typeof value['/S'] === 'string' && activeActions.has(value['/S']))
  || value['/Type'] === '/EmbeddedFile');

/** Returns the value with active keys removed and active action dictionaries replaced by null. */
function stripped(value: Json): Json {
  if (Array.isArray(value)) return value.map((item) => (isActiveDict(item) ? null : stripped(item)));
  if (!isDict(value)) return value;
  const out: { [key: string]: Json } = {};
  for (const [key, item] of Object.entries(value)) {
    if (activeKeys.has(key)) continue;
    out[key] = isActiveDict(item) ? null : stripped(item);
  }
  return out;
}

/** What of the active content is still in a qpdf JSON document (empty: none). */
export function findActiveContent(document: { qpdf: [unknown, Record<string, QpdfObject>] }): string[] {
  const found = new Set<string>();
  const visit = (value: Json) => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (isDict(value)) {
      for (const [key, item] of Object.entries(value)) {
        if (activeKeys.has(key)) found.add(key);
        visit(item);
      }
      if (isActiveDict(value)) found.add(String(value['/S'] ?? value['/Type']));
    }
  };
  for (const object of Object.values(document.qpdf[1])) {
    if (object.value !== undefined) visit(object.value);
    if (object.stream) visit(object.stream.dict);
  }
  return [...found].sort();
}

async function qpdf(args: string[]): Promise<void> {
  try {
    await run('qpdf', args, { maxBuffer: 1024 * 1024 });
  } catch (error) {
    // exit code 3: warnings only (a repaired file); the output is written
    if ((error as { code?: number }).code === 3) return;
    const stderr = String((error as { stderr?: string }).stderr ?? '').split('\n')[0] ?? '';
    throw new PdfRefused(refusal('pdfUnreadable', stderr.replace(/^.*?: /, '').slice(0, 120) || 'unknown error'));
  }
}

export async function readPdfJson(path: string, workDir: string): Promise<{ qpdf: [unknown, Record<string, QpdfObject>] }> {
  const json = join(workDir, `read-${Date.now()}.json`);
  await qpdf(['--json-output', '--decode-level=none', '--json-stream-data=none', path, json]);
  return JSON.parse(await readFile(json, 'utf8'));
}

/** Writes a sanitised copy of `input` to `output`; throws PdfRefused when it cannot be made safe. */
export async function sanitisePdf(input: string, output: string, tempRoot: string): Promise<void> {
  const dir = await mkdtemp(join(tempRoot, 'pdf-'));
  try {
    const json = join(dir, 'objects.json');
    await qpdf(['--json-output', '--decode-level=none', '--json-stream-data=file', `--json-stream-prefix=${join(dir, 's')}`, input, json]);
    const document = JSON.parse(await readFile(json, 'utf8')) as { qpdf: [unknown, Record<string, QpdfObject>] };
    const objects = document.qpdf[1];
    for (const [id, object] of Object.entries(objects)) {
      if (object.stream) {
        if (isActiveDict(object.stream.dict)) objects[id] = { value: null };
        else object.stream.dict = stripped(object.stream.dict) as Record<string, Json>;
      } else if (object.value !== undefined) {
        objects[id] = { value: isActiveDict(object.value) ? null : stripped(object.value) };
      }
    }
    await writeFile(json, JSON.stringify(document));
    await qpdf(['--json-input', json, output]);
    const left = findActiveContent(await readPdfJson(output, dir));
    if (left.length > 0) throw new PdfRefused(refusal('pdfActiveLeft', left.join(', ')));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
