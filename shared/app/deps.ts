import type { Clock, DevClockControl } from '#ports/clock';
import type { Ids } from '#ports/ids';
import type { ItemStore } from '#ports/item-store';
import type { ContactCipher, SessionTokens, WechatLogin } from '#ports/session';
import type { JobLauncher } from '#ports/job-launcher';
import type { MerchantSettings, SettingsCache } from './settings.ts';
import type { PaymentGateway, PaymentSandbox, PayoutGateway } from '#ports/payment';
import type { MessageSender } from '#ports/message-sender';
import type { SmsSender } from '#ports/sms';
import type { ObjectStorage } from '#ports/object-storage';
import type { MiniProgramCodes } from '#ports/mini-program-code';
import type { WebhookClient } from '#ports/webhook';
import type { PlatformDeps, Role } from '#platform/command';
import type { UploadSandbox, UploadSigner } from '#ports/uploads';
import type { FanOutSizing } from './jobs/parts.ts';

/**
 * The ports a use case may use. Built once per cold start by the platform (AWS, CloudBase,
 * local) or by a test; use cases never import an adapter.
 */
export interface Deps extends PlatformDeps {
  store: ItemStore;
  clock: Clock;
  ids: Ids;
  /** The merchant settings in force (read synchronously; refreshed from the store at most 60 s old, see settings.ts). */
  readonly settings: MerchantSettings;
  /** This instance's copy of the versioned settings document behind `settings`. */
  settingsCache: SettingsCache;
  sessions: SessionTokens;
  /** The caller's roles from data (shared/app/users.ts), bound by the composition root for dispatch. */
  callerRoles(userId: string): Promise<Role[] | undefined>;
  /** The key page cursors are signed with (derived from SESSION_SECRET by the composition root). */
  cursorKey: Uint8Array;
  wechatLogin: WechatLogin;
  contacts: ContactCipher;
  /** Starts a job run in its own function without waiting (POST /admin/jobs/{job}/run); verifies the start's signature where it runs. */
  jobs: JobLauncher;
  /** Openids configured as staff (STAFF_OPENIDS), besides staff records in the store. */
  staffOpenids: string[];
  warehouse: { lat: number; lng: number };
  payment: PaymentGateway;
  payout: PayoutGateway;
  /** Sends subscription messages (WeChat API, CloudBase openapi, or the local sink). */
  sender: MessageSender;
  /** Sends the SMS fallback of a notice without push quota (Tencent Cloud SMS, the local sink); absent where SMS is not configured. */
  sms?: SmsSender;
  /** Generated files (share cards): S3, CloudBase storage, or a local folder (shared/wiring/share.ts). */
  objectStorage: ObjectStorage;
  /** Mini-program codes (wxacode.getUnlimited; the local sandbox draws a QR PNG). */
  miniCodes: MiniProgramCodes;
  /** Posts signed webhook deliveries, refusing private, loopback and metadata addresses (shared/app/webhooks). */
  webhooks: WebhookClient;
  /** Template ids per message key (configuration). */
  templates: Record<string, string>;
  /** Local stage only: the sandbox that signs payment and transfer notifications (/dev/pay, /dev/payout). */
  sandbox?: PaymentSandbox;
  /** True only on the local stage (AUTH_MODE=dev): dev login and the /dev routes exist. */
  devMode: boolean;
  /** Local stage only: moves the clock every local function reads (POST /dev/clock). */
  devClock?: DevClockControl;
  /** Presigned image uploads (S3, CloudBase storage, the local folder); absent where none is configured (POST /admin/uploads answers INVALID_STATE). */
  uploads?: UploadSigner;
  /** Local stage only: the folder playing the object storage (POST /dev/uploads, GET /dev/uploads/{key}). */
  uploadSandbox?: UploadSandbox;
  /** When the cutoff, settle and notify jobs fan out over instances (shared/app/jobs/parts.ts); absent: the defaults. */
  fanOut?: Partial<FanOutSizing>;
}
