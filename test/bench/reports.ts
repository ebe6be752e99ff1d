// One service report rendered and sealed against the same report rendered
// unsealed, measured in the same run on the same input. No database:
//   (a) renderReportPdf (app/reports/render-pdf.ts), exactly as freezing runs it
//       (the photos re-encoded by sharp, pdfkit writes the PDF);
//   (b) the same render followed by signAndSealPdf (app/reports/seal.ts) with a
//       key loadSealKey made under a temporary keys folder: the customer's drawn
//       signature and two lines drawn into the signature block, PAdES B-B seal.
// The report: German (umlauts), 10 measurements, 3 photos (1600×1200 JPEG made
// by sharp, with texture so they compress like photos), 3 visits, 2 assets; a
// drawn signature PNG (sharp from an SVG stroke). checkSeal verifies the
// sealed output once before anything is timed. Rounds alternate the two sides
// (drift hits both alike). Per report: median and p95 ms; throughput as
// reports / total time per side, and its ratio sealed/unsealed (the minimum
// is printed too: on a shared machine it is the least noisy figure). Memory: each
// side in a fresh child process (RSS only grows in a long-lived process, so an
// in-process high-water mark would charge whichever side ran first): the peak
// RSS and the peak heapUsed + external (the PDF and image Buffers live outside
// the V8 heap) over that process's baseline, taken after gc with the inputs
// built and the key loaded, before its first report.
// KASTELL_BENCH_REPORT_ROUNDS (4), KASTELL_BENCH_REPORT_ITERATIONS (5 per side
// and round), KASTELL_BENCH_REPORT_MEMORY_ITERATIONS (3 per child). No thresholds.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import sharp from 'sharp';
import { translator } from '../../app/i18n/index.ts';
import { renderReportPdf, signatureBox, type ReportPdfInput } from '../../app/reports/render-pdf.ts';
import { checkSeal, loadSealKey, signAndSealPdf, type SealKey, type SignatureMark } from '../../app/reports/seal.ts';
import { percentile } from './database.ts';

export interface ReportsOptions {
  rounds: number;
  iterations: number;
  memoryIterations: number;
  print: (line: string) => void;
}

type Side = 'unsealed' | 'sealed';

interface Fixture {
  input: ReportPdfInput;
  mark: SignatureMark;
  key: SealKey;
  cleanup: () => void;
}

/** A photo-like 1600×1200 JPEG: smooth gradients and shapes plus per-pixel grain (so it does not compress like a flat fill). */
async function photo(seed: number): Promise<Buffer> {
  const width = 1600;
  const height = 1200;
  const raw = Buffer.alloc(width * height * 3);
  let state = seed * 2654435761 >>> 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      state = (state * 1664525 + 1013904223) >>> 0;
      const grain = (state >>> 24) / 16 - 8;
      const wave = 40 * Math.sin((x + seed * 97) / (60 + seed * 7)) * Math.cos(y / (45 + seed * 5));
      const i = (y * width + x) * 3;
      raw[i] = Math.max(0, Math.min(255, 90 + (x / width) * 80 + wave + grain));
      raw[i + 1] = Math.max(0, Math.min(255, 110 + (y / height) * 60 - wave / 2 + grain));
      raw[i + 2] = Math.max(0, Math.min(255, 140 - (x / width) * 50 + wave / 3 + grain));
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
}

/** A drawn signature as signature_pad sends it: strokes on a transparent 600×200 canvas, PNG. */
async function signaturePng(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="200">
    <path d="M30 140 C 60 40, 90 40, 110 130 S 150 170, 170 90 C 185 40, 200 160, 230 120 S 280 60, 300 130
             C 320 170, 350 60, 380 110 S 430 150, 450 80 C 470 40, 500 150, 560 100"
          fill="none" stroke="#1a1a6e" stroke-width="4" stroke-linecap="round" stroke-linejoin="round"/>
    <path d="M60 165 C 200 150, 380 175, 540 155" fill="none" stroke="#1a1a6e" stroke-width="3" stroke-linecap="round"/>
  </svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

export async function buildFixture(): Promise<Fixture> {
  const frozenAt = new Date('2025-03-14T15:42:00Z');
  const hours = (h: number, m = 0) => new Date(Date.UTC(2025, 2, 14, h, m));
  const photos = [
    { title: 'Verdampfer vor der Reinigung', bytes: await photo(1) },
    { title: 'Verdampfer nach der Reinigung', bytes: await photo(2) },
    { title: 'Typenschild Verflüssigersatz', bytes: await photo(3) },
  ];
  const input: ReportPdfInput = {
    language: 'de',
    organisation: 'Kälte- und Klimatechnik Müller GmbH',
    company: 'Bäckerei Schönberger AG',
    site: { name: 'Filiale Görlitzer Straße', address: 'Görlitzer Straße 12, 10997 Berlin' },
    assets: [{ name: 'Kühlzelle Nord', serial: 'KZ-2019-0042' }, { name: 'Wärmepumpe Dach', serial: 'WP-88113' }],
    job: {
      jobId: randomUUID(),
      title: 'Jährliche Wartung Kälteanlage und Dichtheitsprüfung',
      description: 'Wartung nach Wartungsvertrag Nr. 2024-117, Dichtheitsprüfung gemäß Verordnung (EU) 517/2014; Kühlzelle darf höchstens zwei Stunden außer Betrieb sein.',
    },
    report: {
      reportId: randomUUID(),
      version: 1,
      frozenAt,
      workDone: [
        'Anlage außer Betrieb genommen, Ware in die Ausweichkühlung umgelagert. Verdampfer und Verflüssiger gereinigt, Tropfwanne und Ablauf gespült, Türdichtung der Kühlzelle geprüft (leicht beschädigt, Austausch empfohlen).',
        'Dichtheitsprüfung mit elektronischem Lecksuchgerät an allen Lötstellen, Schraderventilen und am Schauglas: keine Undichtigkeit festgestellt. Kältemittelfüllmenge geprüft, nicht nachgefüllt.',
        'Elektrische Anschlüsse nachgezogen, Schütz und Motorschutzschalter geprüft, Isolationswiderstand gemessen. Regler auf −2 °C / +4 °C Schaltdifferenz überprüft, Abtauzyklus auf viermal täglich gelassen.',
        'Anlage wieder in Betrieb genommen; nach 45 Minuten stabile Zellentemperatur von 2,8 °C. Übergabe an Frau Schönberger, Hinweis auf die Türdichtung gegeben.',
      ].join('\n\n'),
    },
    technicians: ['Jürgen Weiß', 'Özlem Kaya'],
    visits: [
      { technician: 'Jürgen Weiß', checkInAt: hours(7, 30), checkOutAt: hours(9, 15), notes: 'Anlage abgeschaltet, Reinigung begonnen' },
      { technician: 'Özlem Kaya', checkInAt: hours(8, 0), checkOutAt: hours(11, 40), notes: 'Dichtheitsprüfung, Messungen' },
      { technician: 'Jürgen Weiß', checkInAt: hours(13, 10), checkOutAt: hours(14, 5), notes: 'Wiederinbetriebnahme und Übergabe' },
    ],
    measurements: [
      { quantity: 'Verdampfungstemperatur', value: -8.5, unit: '°C' },
      { quantity: 'Verflüssigungstemperatur', value: 38.2, unit: '°C' },
      { quantity: 'Überhitzung', value: 6.1, unit: 'K' },
      { quantity: 'Unterkühlung', value: 4.3, unit: 'K' },
      { quantity: 'Hochdruck', value: 16.4, unit: 'bar' },
      { quantity: 'Niederdruck', value: 3.2, unit: 'bar' },
      { quantity: 'Stromaufnahme Verdichter L1', value: 7.8, unit: 'A' },
      { quantity: 'Isolationswiderstand Verdichter', value: 550, unit: 'MOhm' },
      { quantity: 'Kältemittelfüllmenge R449A', value: 4.6, unit: 'kg' },
      { quantity: 'Zellentemperatur nach Inbetriebnahme', value: 2.8, unit: '°C' },
    ],
    photos,
  };
  const t = translator('de');
  const mark: SignatureMark = {
    png: await signaturePng(),
    box: signatureBox,
    lines: ['Grete Schönberger', `${t('reports.pdf.signedOn', { when: '2025-03-14 15:50 UTC' })} · ${t('reports.how.on_site')}`],
  };
  const keysDir = mkdtempSync(join(tmpdir(), 'kastell-bench-seal-'));
  const key = await loadSealKey({ keyPem: undefined, certificatePem: undefined, keysDir, organisation: 'Kastell Bench' });
  return { input, mark, key, cleanup: () => rmSync(keysDir, { recursive: true, force: true }) };
}

/** One report: as freezing renders it (fresh photo Buffers, as read from the store), and for 'sealed' signed and sealed. */
async function once(fixture: Fixture, side: Side, sample: () => void = () => {}): Promise<{ ms: number; bytes: Uint8Array }> {
  const photos = fixture.input.photos.map((p) => ({ title: p.title, bytes: Buffer.from(p.bytes) }));
  const started = performance.now();
  const pdf = await renderReportPdf({ ...fixture.input, photos });
  sample();
  const bytes = side === 'sealed' ? await signAndSealPdf(pdf, fixture.key, fixture.mark, 'Service report signed off') : pdf;
  const ms = performance.now() - started;
  sample();
  return { ms, bytes };
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

export async function runReports(options: ReportsOptions): Promise<void> {
  const { print } = options;
  const fixture = await buildFixture();
  try {
    const photoSizes = fixture.input.photos.map((p) => `${(p.bytes.length / 1024).toFixed(0)} KiB`).join(', ');
    const unsealed = await once(fixture, 'unsealed');
    const sealed = await once(fixture, 'sealed');
    const check = await checkSeal(sealed.bytes, fixture.key.certificateDer);
    if (!check.ok) throw new Error(`reports bench: the sealed PDF does not verify: ${check.reason}`);
    print(`reports bench: node ${process.version}, libvips ${sharp.versions.vips}; 3 photos 1600×1200 (${photoSizes}), 10 measurements, 3 visits, de`);
    print(`reports bench: PDF ${(unsealed.bytes.length / 1024).toFixed(0)} KiB unsealed, ${(sealed.bytes.length / 1024).toFixed(0)} KiB sealed; checkSeal ok`);
    // warm-up (JIT, pdfkit's font metrics, sharp's thread pool)
    for (let i = 0; i < 2; i++) { await once(fixture, 'unsealed'); await once(fixture, 'sealed'); }

    const times: Record<Side, number[]> = { unsealed: [], sealed: [] };
    for (let round = 0; round < options.rounds; round++) {
      for (const side of (round % 2 === 0 ? ['unsealed', 'sealed'] : ['sealed', 'unsealed']) as Side[]) {
        const batch: number[] = [];
        for (let i = 0; i < options.iterations; i++) batch.push((await once(fixture, side)).ms);
        times[side].push(...batch);
        const sorted = [...batch].sort((a, b) => a - b);
        print(`reports ${side.padEnd(8)} round ${round + 1}: ${batch.length} reports, median ${percentile(sorted, 50).toFixed(0)} ms`);
      }
    }
    const memory: Record<Side, MemoryPeak> = {
      unsealed: await memoryInChild('unsealed', options.memoryIterations),
      sealed: await memoryInChild('sealed', options.memoryIterations),
    };
    const stats = (side: Side) => {
      const sorted = [...times[side]].sort((a, b) => a - b);
      const total = sorted.reduce((sum, ms) => sum + ms, 0);
      return { n: sorted.length, min: sorted[0]!, p50: percentile(sorted, 50), p95: percentile(sorted, 95), perSecond: (sorted.length * 1000) / total };
    };
    const u = stats('unsealed');
    const s = stats('sealed');
    print('');
    print(`RESULT report PDF render+seal vs render only (${s.n}+${u.n} reports, ${options.rounds} alternating rounds): ` +
      `sealed p50 ${s.p50.toFixed(0)} ms p95 ${s.p95.toFixed(0)} ms (min ${s.min.toFixed(0)}), unsealed p50 ${u.p50.toFixed(0)} ms p95 ${u.p95.toFixed(0)} ms (min ${u.min.toFixed(0)}); ` +
      `${s.perSecond.toFixed(2)} vs ${u.perSecond.toFixed(2)} reports/s, ratio ${(s.perSecond / u.perSecond).toFixed(2)} (seal adds ~${(s.p50 - u.p50).toFixed(0)} ms)`);
    print(`RESULT report PDF memory peak over a fresh process (${options.memoryIterations} reports each): ` +
      `sealed RSS +${mib(memory.sealed.rss)}, heap+external +${mib(memory.sealed.heap)}; ` +
      `unsealed RSS +${mib(memory.unsealed.rss)}, heap+external +${mib(memory.unsealed.heap)}`);
  } finally {
    fixture.cleanup();
  }
}

interface MemoryPeak { rss: number; heap: number }

/** One side's memory peak in a fresh node process (this file, run directly). */
function memoryInChild(side: Side, iterations: number): Promise<MemoryPeak> {
  const file = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', file, 'memory', side, String(iterations)], { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`reports bench memory child (${side}) failed: ${error.message}\n${stderr}`));
      const line = stdout.trim().split('\n').pop() ?? '';
      try { resolve(JSON.parse(line) as MemoryPeak); } catch { reject(new Error(`reports bench memory child (${side}) printed: ${stdout}`)); }
    });
  });
}

async function memoryChild(side: Side, iterations: number): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const fixture = await buildFixture();
  try {
    gc(); gc();
    const base = process.memoryUsage();
    const peak: MemoryPeak = { rss: 0, heap: 0 };
    const sample = () => {
      const now = process.memoryUsage();
      peak.rss = Math.max(peak.rss, now.rss - base.rss);
      peak.heap = Math.max(peak.heap, now.heapUsed + now.external - base.heapUsed - base.external);
    };
    const timer = setInterval(sample, 1);
    for (let i = 0; i < iterations; i++) await once(fixture, side, sample);
    clearInterval(timer);
    sample();
    console.log(JSON.stringify(peak));
  } finally {
    fixture.cleanup();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'memory') {
  const side = process.argv[3];
  if (side !== 'sealed' && side !== 'unsealed') throw new Error('usage: reports.ts memory sealed|unsealed [iterations]');
  await memoryChild(side, Number(process.argv[4] ?? 3));
}
