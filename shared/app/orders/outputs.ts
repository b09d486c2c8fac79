import * as z from 'zod/mini';

/** Output schemas of the order commands (documentation and tests only: shared/app/outputs.ts). */
const fen = () => z.int().check(z.minimum(0));

export const ORDER_STATUSES = ['PENDING_PAYMENT', 'PAID', 'CONFIRMED', 'ARRIVED', 'PICKED_UP', 'DELIVERED', 'CANCELLED', 'EXPIRED'] as const;

export const Amounts = z.object({
  goodsFen: fen(),
  memberDiscountFen: fen(),
  couponFen: fen(),
  firstOrderFen: fen(),
  pointsFen: fen(),
  payableFen: fen(),
  /** Paid from the wallet; `payableFen` is then the WeChat Pay part. */
  balanceFen: z.optional(fen()),
  /** A delivery order's fee (in payableFen). */
  deliveryFen: z.optional(fen()),
});

/** An order as its owner, its community's leader (masked contact, no pickup code) or staff see it. */
export const OrderView = z.object({
  id: z.string(),
  shortNo: z.string(),
  communityId: z.string(),
  waveDate: z.string(),
  status: z.enum(ORDER_STATUSES),
  lines: z.array(z.object({ productId: z.string(), title: z.string(), qty: z.int(), unitPriceFen: fen(), paidFen: fen() })),
  amounts: Amounts,
  /** The owner and staff: name, phone, address; a leader: the masked name and the phone's last four digits; past retention the masked ones; after erasure `{ name: null, phoneTail: null }`. */
  contact: z.object({ name: z.nullable(z.string()), phone: z.optional(z.string()), phoneTail: z.optional(z.nullable(z.string())), address: z.optional(z.string()) }),
  /** The owner only, once paid: the 8-digit code and the QR payload `GB1:<communityId>:<code>`. */
  pickupCode: z.optional(z.string()),
  pickupQr: z.optional(z.string()),
  payBy: z.optional(z.string()),
  pickupDeadline: z.optional(z.string()),
  createdAt: z.string(),
  paidAt: z.optional(z.string()),
  /** The expected arrival after a late notice. */
  arrivalAt: z.optional(z.string()),
  arrivedAt: z.optional(z.string()),
  pickedUpAt: z.optional(z.string()),
  deliveredAt: z.optional(z.string()),
  /** Home delivery: slot, fee, district and the masked detail. */
  delivery: z.optional(
    z.object({ addressId: z.string(), slot: z.string(), feeFen: fen(), district: z.string(), detail: z.string(), location: z.optional(z.object({ lat: z.number(), lng: z.number() })) }),
  ),
  cancelReason: z.optional(z.enum(['CUSTOMER', 'PAYMENT_TIMEOUT', 'CUTOFF_UNPAID', 'WAVE_CLOSED', 'PAYMENT_MISMATCH', 'MERCHANT'])),
  couponId: z.optional(z.string()),
  pointsUsed: z.int(),
  refunds: z.array(
    z.object({
      id: z.string(),
      amountFen: fen(),
      reason: z.string(),
      status: z.enum(['PROCESSING', 'SUCCESS', 'ABNORMAL', 'CLOSED', 'FAILED']),
      at: z.string(),
      resultAt: z.optional(z.string()),
      totalFen: z.optional(fen()),
      valueFen: z.optional(fen()),
      balanceFen: z.optional(fen()),
      lines: z.optional(z.array(z.object({ productId: z.string(), qty: z.int(), amountFen: fen() }))),
    }),
  ),
});

export const Quote = z.object({
  waveDate: z.string(),
  lines: z.array(z.object({ productId: z.string(), title: z.string(), qty: z.int(), unitPriceFen: fen(), paidFen: fen(), flash: z.boolean() })),
  amounts: Amounts,
  pointsUsed: z.int(),
  couponId: z.optional(z.string()),
});

/** `wx.requestPayment` parameters (WeChat Pay v3 on AWS: RSA; cloudPay on CloudBase: its own). */
export const Payment = z.looseObject({ timeStamp: z.string(), nonceStr: z.string(), package: z.string(), signType: z.string(), paySign: z.string() });

export const Placed = z.object({ order: OrderView, payment: z.optional(z.nullable(Payment)) });

export const OrderPage = z.object({ items: z.array(OrderView), nextCursor: z.optional(z.string()) });

export const orderOutputs = {
  'order.quote': Quote,
  'order.place': Placed,
  'order.get': OrderView,
  'order.list': OrderPage,
  'order.cancel': OrderView,
};
