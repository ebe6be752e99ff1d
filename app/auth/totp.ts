// TOTP (RFC 6238: SHA-1, 6 digits, 30 s) with otplib. One step either side
// is accepted for clock drift; the accepted step is stored and any code of
// that step or an earlier one is refused (no replay within the window).
import { generateSecret, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';

export const totpPeriod = 30;
export const totpCodePattern = /^\d{6}$/;

export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

export function totpUri(secret: string, email: string, issuer: string): string {
  return generateURI({ issuer, label: email, secret });
}

/** The QR code as an inline SVG string (no script, no external image). */
export function totpQrSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

/** The time step the code belongs to, or null. `afterStep` refuses that step and earlier ones. */
export async function matchTotp(secret: string, code: string, afterStep = 0, epochSeconds?: number): Promise<number | null> {
  if (!totpCodePattern.test(code)) return null;
  const result = await verify({
    secret,
    token: code,
    epochTolerance: totpPeriod,
    ...(afterStep > 0 ? { afterTimeStep: afterStep } : {}),
    ...(epochSeconds !== undefined ? { epoch: epochSeconds } : {}),
  });
  const step = (result as { valid: boolean; timeStep?: number }).timeStep;
  return result.valid && typeof step === 'number' ? step : null;
}
