// Images are decoded and encoded again by sharp (libvips): orientation from
// EXIF applied first (rotate()), then written without any metadata block —
// EXIF (GPS included), XMP, IPTC, ICC comments — since sharp keeps none
// unless asked. The pixel count is bounded before decoding, so a small file
// that decompresses to gigapixels is refused, not expanded.
import sharp from 'sharp';
import type { AllowedType } from './detect-type.ts';
import { refusal } from './reasons.ts';

export class ImageRefused extends Error {}

export async function reencodeImage(input: string, output: string, type: AllowedType, maxPixels: number): Promise<AllowedType> {
  const image = sharp(input, { limitInputPixels: maxPixels, failOn: 'error', sequentialRead: true }).rotate();
  try {
    switch (type) {
      case 'image/jpeg': await image.jpeg({ quality: 90 }).toFile(output); return type;
      case 'image/png': await image.png().toFile(output); return type;
      case 'image/webp': await image.webp({ quality: 90 }).toFile(output); return type;
      // HEIC becomes JPEG when this libvips can decode it (HEVC is often not built in)
      case 'image/heic': await image.jpeg({ quality: 90 }).toFile(output); return 'image/jpeg';
      default: throw new ImageRefused(`not an image: ${type}`);
    }
  } catch (error) {
    if (error instanceof ImageRefused) throw error;
    const message = (error as Error).message;
    if (/pixel limit/i.test(message)) throw new ImageRefused(refusal('pixels', String(maxPixels)));
    if (type === 'image/heic') throw new ImageRefused(refusal('heic'));
    throw new ImageRefused(refusal('imageUnreadable'));
  }
}
