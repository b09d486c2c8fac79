/**
 * Mini-program codes (小程序码) of unlimited count: WeChat's `wxacode.getUnlimited`
 * (HTTPS `POST /wxa/getwxacodeunlimit`, on CloudBase `cloud.openapi.wxacode.getUnlimited`); the
 * local stage's sandbox draws a plain QR PNG encoding the scene.
 */
export interface MiniProgramCodeRequest {
  /** At most 32 visible characters (WeChat's limit). */
  scene: string;
  /** The page the code opens; absent: the mini-program's home page. */
  page?: string;
  width?: number;
}

export interface MiniProgramCodes {
  unlimited(request: MiniProgramCodeRequest): Promise<{ bytes: Uint8Array; contentType: string }>;
}
