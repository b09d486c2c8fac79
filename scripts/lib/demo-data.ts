import type { Deps } from '../../shared/app/deps.ts';
import {
  upsertCommunityCommand,
  upsertCouponCommand,
  upsertLeaderCommand,
  upsertProductCommand,
} from '../../shared/app/admin/commands.ts';
import { keys } from '../../shared/app/keys.ts';
import { createStaff } from '../../shared/app/staff/records.ts';
import { createSupplierCommand } from '../../shared/app/supply/suppliers.ts';
import { toBizIso } from '../../shared/domain/time.ts';
import type { CommandContext } from '../../shared/app/command.ts';

/** The demo merchant: 2 routes, 4 Shanghai communities with a leader each, ~20 products. */
export const DEMO = {
  staff: 'demo-staff',
  /** The login of the demo owner's staff record (bound to demo-staff). */
  ownerLogin: 'demo-owner',
  communities: [
    { id: 'c-xujiahui', name: '徐家汇花园', address: '上海市徐汇区虹桥路1号', region: '徐汇区', location: { lat: 31.1955, lng: 121.4372 }, routeId: 'r-west' },
    { id: 'c-jingan', name: '静安新城', address: '上海市静安区南京西路1601号', region: '静安区', location: { lat: 31.2233, lng: 121.4458 }, routeId: 'r-west' },
    { id: 'c-lujiazui', name: '陆家嘴滨江苑', address: '上海市浦东新区陆家嘴环路1000号', region: '浦东新区', location: { lat: 31.2397, lng: 121.4998 }, routeId: 'r-east' },
    { id: 'c-wujiaochang', name: '五角场锦苑', address: '上海市杨浦区淞沪路8号', region: '杨浦区', location: { lat: 31.2989, lng: 121.5146 }, routeId: 'r-east' },
  ],
  leaders: [
    { id: 'l-xujiahui', openid: 'demo-leader-xujiahui', name: '王芳', phone: '13800001001', communityId: 'c-xujiahui' },
    { id: 'l-jingan', openid: 'demo-leader-jingan', name: '李娜', phone: '13800001002', communityId: 'c-jingan', referredBy: 'l-xujiahui' },
    { id: 'l-lujiazui', openid: 'demo-leader-lujiazui', name: '张伟', phone: '13800001003', communityId: 'c-lujiazui' },
    { id: 'l-wujiaochang', openid: 'demo-leader-wujiaochang', name: '刘洋', phone: '13800001004', communityId: 'c-wujiaochang' },
  ],
} as const;

const products = [
  // fresh (生鲜): picked up within the fresh deadline
  ['p-spinach', '本地菠菜 500g', '蔬菜', 590, 490, 320, 's-farm', true, 200],
  ['p-tomato', '番茄 1kg', '蔬菜', 890, 790, 520, 's-farm', true, 150],
  ['p-cucumber', '黄瓜 500g', '蔬菜', 450, undefined, 260, 's-farm', true, undefined],
  ['p-pork', '土猪五花肉 500g', '肉禽', 2990, 2790, 2100, 's-meat', true, 80],
  ['p-chicken', '三黄鸡 整只', '肉禽', 4590, 4290, 3300, 's-meat', true, 40],
  ['p-shrimp', '基围虾 500g', '水产', 5990, 5590, 4200, 's-sea', true, 30],
  ['p-fish', '鲈鱼 1条', '水产', 3590, undefined, 2500, 's-sea', true, 30],
  ['p-eggs', '散养土鸡蛋 30枚', '蛋奶', 3290, 2990, 2300, 's-farm', true, 100],
  ['p-milk', '鲜牛奶 950ml', '蛋奶', 1590, 1490, 1100, 's-dairy', true, undefined],
  ['p-strawberry', '丹东草莓 500g', '水果', 3990, 3590, 2800, 's-fruit', true, 60],
  ['p-apple', '烟台红富士 2.5kg', '水果', 2990, 2690, 1900, 's-fruit', true, undefined],
  ['p-banana', '香蕉 1kg', '水果', 990, undefined, 600, 's-fruit', true, undefined],
  // non-fresh (日用 / 粮油)
  ['p-rice', '五常大米 5kg', '粮油', 6990, 6490, 5200, 's-grain', false, undefined],
  ['p-oil', '压榨花生油 5L', '粮油', 12990, 11990, 9800, 's-grain', false, 50],
  ['p-noodles', '挂面 1kg', '粮油', 890, undefined, 550, 's-grain', false, undefined],
  ['p-tissue', '抽纸 24包', '日用', 4990, 4590, 3600, 's-daily', false, undefined],
  ['p-detergent', '洗衣液 3kg', '日用', 3990, 3690, 2700, 's-daily', false, undefined],
  ['p-soysauce', '生抽 1.9L', '调味', 1890, 1690, 1200, 's-grain', false, undefined],
  ['p-water', '饮用天然水 550ml×24', '饮品', 2990, undefined, 2000, 's-daily', false, undefined],
  ['p-durian', '金枕榴莲 约2.5kg', '水果', 19900, 17900, 15000, 's-fruit', true, 20],
] as const;

/** The demo's suppliers (货源); fresh products get the wholesale market `s-market` as their backup (生鲜类备用供应商). */
const suppliers = [
  ['s-farm', '崇明蔬菜基地', 'ORIGIN'],
  ['s-meat', '松江肉联厂', 'BRAND'],
  ['s-sea', '铜川路水产市场', 'WHOLESALE'],
  ['s-dairy', '光明乳业经销商', 'BRAND'],
  ['s-fruit', '辉展水果批发', 'WHOLESALE'],
  ['s-grain', '粮油中央仓', 'CENTRAL_WAREHOUSE'],
  ['s-daily', '日用品中央仓', 'CENTRAL_WAREHOUSE'],
  ['s-market', '江桥批发市场', 'WHOLESALE'],
] as const;

/**
 * The demo owner: a staff member (owner) bound to the openid `demo-staff`, so the dev login as
 * demo-staff is an owner and can confirm a scan sign-in. No password is known (it was generated
 * and dropped): for password sign-in create a member with `npm run staff:create`.
 */
async function seedDemoOwner(deps: Deps): Promise<void> {
  const bound = await deps.store.get(keys.staffRole(DEMO.staff), { consistent: true });
  if (typeof bound?.staffId === 'string') return;
  if (bound) await deps.store.write({ type: 'delete', key: keys.staffRole(DEMO.staff) }); // an older local table's plain R#STAFF item
  await createStaff(deps, { login: DEMO.ownerLogin, name: '演示店主', roles: ['owner'], openid: DEMO.staff });
}

/** Loads the demo data through the same back-office commands staff use; running it twice is harmless. */
export async function seedDemo(deps: Deps): Promise<void> {
  const ctx: CommandContext = { caller: { kind: 'user', userId: DEMO.staff, roles: ['customer', 'staff'] }, deps };
  await seedDemoOwner(deps);
  for (const c of DEMO.communities) await upsertCommunityCommand.run(ctx, { ...c, location: { ...c.location } });
  for (const l of DEMO.leaders) {
    if (await deps.store.get(keys.leader(l.id))) continue;
    await upsertLeaderCommand.run(ctx, { ...l });
  }
  for (const [id, name, channel] of suppliers) {
    if (await deps.store.get(keys.supplier(id))) continue;
    await createSupplierCommand.run(ctx, { id, name, channel, contact: { name: '王经理', phone: '13800000000' }, leadDays: 1, status: 'active' });
  }
  const now = deps.clock.now();
  for (const [id, title, category, priceFen, memberPriceFen, costFen, supplierId, fresh, stockPerWave] of products) {
    await upsertProductCommand.run(ctx, {
      id,
      title,
      category,
      priceFen,
      ...(memberPriceFen ? { memberPriceFen } : {}),
      costFen,
      supplierId,
      ...(fresh ? { suppliers: [supplierId, 's-market'] } : {}),
      commissionRate: fresh ? 0.1 : 0.08,
      fresh,
      status: 'active',
      ...(stockPerWave ? { stockPerWave } : {}),
      ...(id === 'p-eggs' ? { perUserLimit: 2 } : {}),
      ...(id === 'p-strawberry'
        ? {
            flashSale: {
              id: 'flash-strawberry',
              priceFen: 1990,
              stock: 100,
              startsAt: toBizIso(now - 24 * 3600_000),
              endsAt: toBizIso(now + 30 * 24 * 3600_000),
              perUserLimit: 2,
            },
          }
        : {}),
    });
  }
  const year = { validFrom: toBizIso(now - 24 * 3600_000), validTo: toBizIso(now + 365 * 24 * 3600_000) };
  await upsertCouponCommand.run(ctx, { id: 'cpn-100-10', title: '满100减10', kind: 'fixed', valueFen: 1000, thresholdFen: 10000, ...year, newUserOnly: false });
  await upsertCouponCommand.run(ctx, { id: 'cpn-new-user', title: '新人专享立减8元', kind: 'fixed', valueFen: 800, thresholdFen: 3000, ...year, newUserOnly: true });
}
