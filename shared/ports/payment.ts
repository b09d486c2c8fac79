/**
 * The payment and payout ports (DESIGN.md §6–7): customers pay orders through WeChat Pay
 * (API v3 on AWS, cloud.cloudPay on CloudBase, a local sandbox on the local stage) and leaders
 * are paid out through the merchant transfer (商家转账). Amounts are integer fen.
 */

/** What wx.requestPayment takes. */
export interface PaymentParams { timeStamp: string; nonceStr: string; package: string; signType: 'RSA' | 'MD5' | 'HMAC-SHA256'; paySign: string }
export interface PrepayInput { orderId: string; amountFen: number; openid: string; description: string; expiresAt: string /* ISO with offset */ }
/** A verified payment notification. */
export interface PaymentNotice { orderId: string; transactionId: string; amountFen: number; payerOpenid?: string; paidAt: string; tradeState: 'SUCCESS' | 'REFUND' | 'NOTPAY' | 'CLOSED' | 'REVOKED' | 'USERPAYING' | 'PAYERROR' }
export interface RefundInput { orderId: string; refundId: string /* stable out_refund_no: a retry reuses it */; amountFen: number; totalFen: number; reason: string }
export interface RefundResult { refundId: string; status: 'PROCESSING' | 'SUCCESS' }
/** A refund's state at the payment platform: PROCESSING, or final (ABNORMAL needs a person: e.g. the buyer's card was closed). */
export type RefundStatus = 'PROCESSING' | 'SUCCESS' | 'ABNORMAL' | 'CLOSED';
/** A verified refund result (a refund notification, or the answer of a refund query). */
export interface RefundNotice { orderId: string; refundId: string; status: RefundStatus; amountFen?: number; at?: string }
export interface RawNotification { headers: Record<string, string | undefined>; body: string }
export interface PaymentGateway {
  prepay(input: PrepayInput): Promise<PaymentParams>;
  /** Verifies signature, timestamp (±5 min of now) and decrypts; throws AppError('UNAUTHENTICATED') when forged/stale, ('VALIDATION_FAILED') when malformed or not for this merchant and app. */
  parseNotification(raw: RawNotification): Promise<PaymentNotice>;
  refund(input: RefundInput): Promise<RefundResult>;
  /** Asks the platform for a refund's state; undefined when it does not know the refund. */
  queryRefund?(input: { orderId: string; refundId: string }): Promise<RefundNotice | undefined>;
  /** A refund-result notification (WeChat Pay v3 REFUND.*), verified like `parseNotification`. */
  parseRefundNotification?(raw: RawNotification): Promise<RefundNotice>;
  /**
   * The platform's trade bill of a business day (payments and refunds; v3 tradebill ALL):
   * undefined when the platform has no bill for the day (no trades, or not yet generated).
   * Absent where the platform offers no bill download (see README, reconciliation).
   */
  downloadBill?(date: string): Promise<BillLine[] | undefined>;
}
/** One line of the payment platform's trade bill (reconciliation). `at`: `YYYY-MM-DD HH:mm:ss` Beijing time. */
export interface BillLine { kind: 'PAYMENT' | 'REFUND'; outTradeNo: string; outRefundNo?: string; amountFen: number; at: string }
export interface TransferInput { withdrawalId: string /* stable out_bill_no */; openid: string; amountFen: number; remark: string }
export interface TransferResult { billNo: string; state: string; packageInfo?: string }
export interface TransferNotice { withdrawalId: string; billNo: string; state: 'SUCCESS' | 'FAIL' | 'CANCELLED' | 'WAIT_USER_CONFIRM' | 'ACCEPTED' | 'PROCESSING' | 'TRANSFERING' | 'CANCELING'; amountFen: number; reason?: string }
export interface PayoutGateway {
  createTransfer(input: TransferInput): Promise<TransferResult>;
  parseNotification(raw: RawNotification): Promise<TransferNotice>;
}

/**
 * Local stage only: a gateway sandbox that produces notifications exactly as WeChat Pay signs
 * them, so `/dev/pay` and `/dev/payout` drive the production verification path.
 */
export interface PaymentSandbox {
  signedPaymentNotification(input: { orderId: string; amountFen: number; openid: string; transactionId?: string; paidAt?: string }): RawNotification & { headers: Record<string, string> };
  /** The refund the sandbox was asked for (undefined when it never was). */
  refundOf(refundId: string): { orderId: string; amountFen: number; status: RefundStatus } | undefined;
  /** Gives a refund its final state in the sandbox's ledger and signs the REFUND.* notification WeChat Pay would send. */
  settleRefund(input: { refundId: string; status: Exclude<RefundStatus, 'PROCESSING'> }): RawNotification & { headers: Record<string, string> };
  signedTransferNotification(input: { withdrawalId: string; billNo?: string; amountFen: number; state: TransferNotice['state']; openid?: string; failReason?: string }): RawNotification & { headers: Record<string, string> };
  /**
   * Writes the trade bill of a business day from the sandbox's own records (payments it signed,
   * refunds it was asked for), as `downloadBill` then serves it. `tamper` changes one line's
   * amount (tests: a line the reconciliation must report).
   */
  writeBill(date: string, tamper?: { outTradeNo: string; amountFen: number }): { lines: number };
}
