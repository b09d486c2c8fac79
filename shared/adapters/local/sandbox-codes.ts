import QRCode from 'qrcode';
import type { MiniProgramCodes } from '#ports/mini-program-code';

/**
 * The local stage's stand-in for `wxacode.getUnlimited`: a real QR code PNG (the `qrcode`
 * package) encoding `<page>?scene=<scene>`, so a phone's scanner shows what the card opens.
 */
export function createSandboxCodes(): MiniProgramCodes {
  return {
    async unlimited({ scene, page, width }) {
      const text = `${page ?? 'pages/index/index'}?scene=${encodeURIComponent(scene)}`;
      const bytes = await QRCode.toBuffer(text, { type: 'png', width: width ?? 430, margin: 2, errorCorrectionLevel: 'M' });
      return { bytes: new Uint8Array(bytes), contentType: 'image/png' };
    },
  };
}
