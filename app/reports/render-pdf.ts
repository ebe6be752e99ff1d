// The report PDF: one fixed template (pdfkit: a plain, well-kept PDF writer
// that embeds JPEG and PNG, with no browser to run), in the customer's
// language. The signature block sits at a fixed place on the last page, so
// signing (sign-pdf.ts) draws into it as an incremental update and the
// bytes the customer was shown stay, unchanged, at the start of the sealed
// file.
import PDFDocument from 'pdfkit';
import sharp from 'sharp';
import { translator, type Locale } from '../i18n/index.ts';

export interface ReportPdfInput {
  language: Locale;
  organisation: string;
  company: string;
  site: { name: string; address: string };
  assets: { name: string; serial: string | null }[];
  job: { jobId: string; title: string; description: string | null };
  report: { reportId: string; version: number; frozenAt: Date; workDone: string };
  technicians: string[];
  visits: { technician: string; checkInAt: Date; checkOutAt: Date | null; notes: string | null }[];
  measurements: { quantity: string; value: number; unit: string }[];
  photos: { title: string; bytes: Buffer }[];
}

/** A4 in points; the signature block in PDF coordinates (origin bottom left) of the last page. */
export const page = { width: 595.28, height: 841.89, margin: 50 } as const;
export const signatureBox = { x: 50, y: 60, width: 495.28, height: 150 } as const;

const when = (date: Date) => `${date.toISOString().slice(0, 10)} ${date.toISOString().slice(11, 16)} UTC`;

export async function renderReportPdf(input: ReportPdfInput): Promise<Buffer> {
  const t = translator(input.language);
  // photos are re-encoded once more to bounded JPEG: pdfkit embeds JPEG and PNG, uploads may be WebP
  const photos = await Promise.all(input.photos.map(async (photo) => ({
    title: photo.title,
    jpeg: await sharp(photo.bytes).rotate().resize({ width: 1200, height: 1200, fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 80 }).toBuffer(),
  })));
  const doc = new PDFDocument({
    size: 'A4', margin: page.margin, bufferPages: true,
    info: { Title: `${t('reports.pdf.title')} — ${input.job.title}`, Author: input.organisation, Producer: 'Kastell', Creator: 'Kastell', CreationDate: input.report.frozenAt },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<void>((resolve, reject) => { doc.on('end', resolve); doc.on('error', reject); });

  const width = page.width - 2 * page.margin;
  const heading = (text: string) => { doc.moveDown(0.8).font('Helvetica-Bold').fontSize(12).text(text).font('Helvetica').fontSize(10).moveDown(0.3); };
  const pair = (label: string, value: string) => { doc.font('Helvetica-Bold').text(`${label}: `, { continued: true }).font('Helvetica').text(value); };

  doc.font('Helvetica-Bold').fontSize(16).text(input.organisation);
  doc.fontSize(13).text(`${t('reports.pdf.title')} — ${input.job.title}`);
  doc.font('Helvetica').fontSize(9).fillColor('#444')
    .text(`${t('reports.pdf.version')} ${input.report.version} · ${t('reports.pdf.frozenAt')} ${when(input.report.frozenAt)} · ${t('reports.pdf.reference')} ${input.report.reportId}`)
    .fillColor('black').fontSize(10);

  heading(t('reports.pdf.customer'));
  pair(t('reports.pdf.company'), input.company);
  pair(t('reports.pdf.site'), [input.site.name, input.site.address].filter(Boolean).join(', '));
  if (input.assets.length > 0) pair(t('reports.pdf.assets'), input.assets.map((a) => (a.serial ? `${a.name} (${a.serial})` : a.name)).join('; '));

  heading(t('reports.pdf.job'));
  pair(t('reports.pdf.jobTitle'), input.job.title);
  if (input.job.description) doc.text(input.job.description);
  pair(t('reports.pdf.technicians'), input.technicians.join(', ') || '—');

  if (input.visits.length > 0) {
    heading(t('reports.pdf.visits'));
    for (const visit of input.visits) {
      doc.text(`${visit.technician}: ${when(visit.checkInAt)} – ${visit.checkOutAt ? when(visit.checkOutAt) : '…'}${visit.notes ? ` — ${visit.notes}` : ''}`);
    }
  }

  heading(t('reports.workDone'));
  doc.text(input.report.workDone || '—', { width });

  if (input.measurements.length > 0) {
    heading(t('reports.measurements'));
    const columns = [page.margin, page.margin + 260, page.margin + 380];
    const row = (cells: string[], bold = false) => {
      if (doc.y > page.height - page.margin - 20) doc.addPage();
      const y = doc.y;
      doc.font(bold ? 'Helvetica-Bold' : 'Helvetica');
      cells.forEach((cell, i) => doc.text(cell, columns[i]!, y, { width: (columns[i + 1] ?? page.margin + width) - columns[i]! - 8, lineBreak: false, ellipsis: true }));
      doc.x = page.margin;
      doc.moveDown(0.2);
    };
    row([t('reports.quantity'), t('reports.value'), t('reports.unit')], true);
    for (const m of input.measurements) row([m.quantity, String(m.value), m.unit]);
    doc.font('Helvetica');
  }

  for (const photo of photos) {
    if (doc.y > page.height - page.margin - 260) doc.addPage();
    heading(`${t('reports.pdf.photo')}: ${photo.title}`);
    doc.image(photo.jpeg, { fit: [width, 240] });
    doc.moveDown(0.5);
  }

  // the signature block, at its fixed place on the last page
  const boxTop = page.height - signatureBox.y - signatureBox.height;
  if (doc.y > boxTop - 10) doc.addPage();
  doc.rect(signatureBox.x, boxTop, signatureBox.width, signatureBox.height).lineWidth(0.8).stroke('#555');
  doc.font('Helvetica-Bold').fontSize(10).fillColor('black').text(t('reports.pdf.signatureBlock'), signatureBox.x + 8, boxTop + 8, { lineBreak: false });
  doc.font('Helvetica').fontSize(8).fillColor('#444')
    .text(t('reports.pdf.signatureHint'), signatureBox.x + 8, boxTop + 22, { width: signatureBox.width - 16, lineBreak: false })
    .fillColor('black');
  doc.end();
  await finished;
  return Buffer.concat(chunks);
}
