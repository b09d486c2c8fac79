import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';
import { session } from './api';
import { can } from './roles';

declare module 'vue-router' {
  interface RouteMeta {
    title?: string;
    icon?: string;
    /** The command the page is for: shown only to roles that may call it. */
    command?: string;
    public?: boolean;
  }
}

// Every page is its own chunk: the first page loads only what it uses.
export const pages: RouteRecordRaw[] = [
  { path: '/', name: 'dashboard', component: () => import('./pages/Dashboard.vue'), meta: { title: '数据看板', icon: 'DataLine', command: 'admin.dashboard' } },
  { path: '/wave', name: 'wave', component: () => import('./pages/Wave.vue'), meta: { title: '波次作业', icon: 'Van', command: 'admin.wave' } },
  { path: '/orders', name: 'orders', component: () => import('./pages/Orders.vue'), meta: { title: '订单', icon: 'Tickets', command: 'admin.orders' } },
  { path: '/catalog', name: 'catalog', component: () => import('./pages/Catalog.vue'), meta: { title: '商品', icon: 'Goods', command: 'admin.products' } },
  { path: '/suppliers', name: 'suppliers', component: () => import('./pages/Suppliers.vue'), meta: { title: '供应商', icon: 'Goods', command: 'admin.suppliers' } },
  { path: '/purchase-orders', name: 'purchase-orders', component: () => import('./pages/PurchaseOrders.vue'), meta: { title: '采购订单', icon: 'Tickets', command: 'cutoff.purchaseOrders' } },
  { path: '/categories', name: 'categories', component: () => import('./pages/Categories.vue'), meta: { title: '类目', icon: 'Goods', command: 'admin.categories' } },
  { path: '/imports', name: 'imports', component: () => import('./pages/Imports.vue'), meta: { title: '批量导入', icon: 'Tickets', command: 'admin.import' } },
  { path: '/growth', name: 'growth', component: () => import('./pages/Growth.vue'), meta: { title: '团购活动/优惠券', icon: 'Present', command: 'admin.teamOffers' } },
  { path: '/after-sales', name: 'after-sales', component: () => import('./pages/AfterSales.vue'), meta: { title: '售后', icon: 'RefreshLeft', command: 'admin.afterSales' } },
  { path: '/withdrawals', name: 'withdrawals', component: () => import('./pages/Withdrawals.vue'), meta: { title: '提现审核', icon: 'CreditCard', command: 'settle.withdrawals' } },
  { path: '/finance', name: 'finance', component: () => import('./pages/Finance.vue'), meta: { title: '财务', icon: 'Money', command: 'settle.finance' } },
  { path: '/members', name: 'members', component: () => import('./pages/Members.vue'), meta: { title: '会员与余额', icon: 'CreditCard', command: 'admin.customerWallet' } },
  { path: '/settings', name: 'settings', component: () => import('./pages/Settings.vue'), meta: { title: '设置', icon: 'Setting', command: 'admin.settings' } },
  { path: '/staff', name: 'staff', component: () => import('./pages/Staff.vue'), meta: { title: '员工与审计', icon: 'User', command: 'admin.staff' } },
  { path: '/dead-letters', name: 'dead-letters', component: () => import('./pages/DeadLetters.vue'), meta: { title: '推送死信', icon: 'Message', command: 'notify.deadLetters' } },
  // Leader workspace (issue 17): applications, announcements, product materials.
  { path: '/leader-applications', name: 'leader-applications', component: () => import('./pages/LeaderApplications.vue'), meta: { title: '团长申请', icon: 'User', command: 'admin.leaderApplications' } },
  { path: '/announcements', name: 'announcements', component: () => import('./pages/Announcements.vue'), meta: { title: '公告', icon: 'Message', command: 'admin.announce' } },
  { path: '/materials', name: 'materials', component: () => import('./pages/Materials.vue'), meta: { title: '商品素材', icon: 'Goods', command: 'admin.productMaterial' } },
  { path: '/jobs', name: 'jobs', component: () => import('./pages/Jobs.vue'), meta: { title: '任务', icon: 'Timer', command: 'admin.runJob' } },
  { path: '/integrations', name: 'integrations', component: () => import('./pages/Integrations.vue'), meta: { title: '集成', icon: 'Connection', command: 'admin.webhooks' } },
  { path: '/reconciliation', name: 'reconciliation', component: () => import('./pages/Reconciliation.vue'), meta: { title: '对账', icon: 'Finished', command: 'settle.reconciliation' } },
];

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/login', name: 'login', component: () => import('./pages/SignIn.vue'), meta: { title: '登录', public: true } },
    { path: '/', component: () => import('./components/Layout.vue'), children: pages },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
});

router.beforeEach((to) => {
  if (to.meta.public) return true;
  if (!session.token) return { name: 'login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} };
  if (to.meta.command && !can(to.meta.command)) {
    const first = pages.find((p) => !p.meta?.command || can(p.meta.command));
    return first && first.name !== to.name ? { name: first.name as string } : true;
  }
  return true;
});

router.afterEach((to) => {
  document.title = `${to.meta.title ?? ''} · 团购商家后台`;
});
