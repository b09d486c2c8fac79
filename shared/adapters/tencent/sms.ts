import * as tencentSms from 'tencentcloud-sdk-nodejs-sms';
import type { SmsMessage, SmsResult, SmsSender, SmsTemplate } from '#ports/sms';

/**
 * Tencent Cloud SMS (API 2021-01-11 `SendSms`) through the official `tencentcloud-sdk-nodejs-sms`.
 * Configuration: the SDK app id, the approved sign name, one approved template id per notice,
 * the API credentials (the secret key from SSM on AWS, the environment on CloudBase) and the
 * region. Numbers go out as `+86<number>`; neither the number nor the SDK's error text (which
 * may echo it) is logged or returned: results carry the provider's code only.
 */
export interface TencentSmsConfig {
  secretId: string;
  secretKey: string;
  sdkAppId: string;
  signName: string;
  templateIds: Partial<Record<SmsTemplate, string>>;
  region?: string;
  /** `host[:port]` of the API (default sms.tencentcloudapi.com); tests point it at a mock. */
  endpoint?: string;
  /** `https://` (default) or `http://` (tests). */
  protocol?: string;
}

/** The slice of the SDK's client the adapter calls (a test may inject its own). */
export interface SendSmsClient {
  SendSms(req: SendSmsRequest): Promise<{ SendStatusSet?: { Code?: string; Message?: string }[]; RequestId?: string }>;
}

export interface SendSmsRequest {
  PhoneNumberSet: string[];
  SmsSdkAppId: string;
  SignName: string;
  TemplateId: string;
  TemplateParamSet: string[];
  SessionContext?: string;
}

/** Provider codes worth retrying later; every other non-Ok code is permanent. */
const TRANSIENT = /^(InternalError|RequestLimitExceeded|LimitExceeded\.(PhoneNumberThirtySecondLimit|PhoneNumberOneHourLimit|DeliveryFrequencyLimit)|ResourceUnavailable|FailedOperation\.InsufficientBalanceInSmsPackage)/;

export function tencentSmsClient(config: TencentSmsConfig): SendSmsClient {
  const Client = tencentSms.sms.v20210111.Client;
  return new Client({
    credential: { secretId: config.secretId, secretKey: config.secretKey },
    region: config.region ?? 'ap-guangzhou',
    profile: { httpProfile: { endpoint: config.endpoint ?? 'sms.tencentcloudapi.com', ...(config.protocol ? { protocol: config.protocol } : {}), reqTimeout: 10 } },
  }) as unknown as SendSmsClient;
}

/** The request of one message: +86 number, the notice's template id, parameters as strings. */
export function sendSmsRequest(config: Pick<TencentSmsConfig, 'sdkAppId' | 'signName' | 'templateIds'>, message: SmsMessage): SendSmsRequest {
  const templateId = config.templateIds[message.template];
  if (!templateId) throw new Error(`no Tencent SMS template id configured for ${message.template}`);
  const digits = message.phone.replace(/[\s\-()]/g, '').replace(/^\+?86(?=\d{11}$)/, '');
  return {
    PhoneNumberSet: [`+86${digits}`],
    SmsSdkAppId: config.sdkAppId,
    SignName: config.signName,
    TemplateId: templateId,
    TemplateParamSet: message.params.map(String),
  };
}

export function createTencentSms(config: TencentSmsConfig, client: SendSmsClient = tencentSmsClient(config)): SmsSender {
  return {
    async send(message: SmsMessage): Promise<SmsResult> {
      let request: SendSmsRequest;
      try {
        request = sendSmsRequest(config, message);
      } catch (e) {
        return { status: 'failed', message: (e as Error).message };
      }
      try {
        const out = await client.SendSms(request);
        const code = out.SendStatusSet?.[0]?.Code ?? 'NoStatus';
        if (code === 'Ok') return { status: 'sent' };
        return TRANSIENT.test(code) ? { status: 'retry', message: `tencent sms ${code}` } : { status: 'failed', message: `tencent sms ${code}` };
      } catch (e) {
        // TencentCloudSDKHttpException: `code` is the API's error code; without one it is the network.
        const code = typeof (e as { code?: unknown }).code === 'string' ? String((e as { code: string }).code) : '';
        if (code && !TRANSIENT.test(code)) return { status: 'failed', message: `tencent sms ${code}` };
        return { status: 'retry', message: `tencent sms ${code || (e instanceof Error ? e.name : 'error')}` };
      }
    },
  };
}
