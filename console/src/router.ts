import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';
import { session } from './api';
import { allowed, type StaffRole } from './roles';

declare module 'vue-router' {
  interface RouteMeta {
    title?: string;
    icon?: string;
    roles?: StaffRole[];
    public?: boolean;
  }
}

// Every page is its own chunk: the first page loads only what it uses.
export const pages: RouteRecordRaw[] = [
  { path: '/', name: 'dashboard', component: () => import('./pages/Dashboard.vue'), meta: { title: '数据看板', icon: 'DataLine', roles: ['operations', 'finance'] } },
  { path: '/wave', name: 'wave', component: () => import('./pages/Wave.vue'), meta: { title: '波次作业', icon: 'Van', roles: ['operations', 'warehouse'] } },
  { path: '/orders', name: 'orders', component: () => import('./pages/Orders.vue'), meta: { title: '订单', icon: 'Tickets', roles: ['operations'] } },
  { path: '/catalog', name: 'catalog', component: () => import('./pages/Catalog.vue'), meta: { title: '商品', icon: 'Goods', roles: ['operations'] } },
  { path: '/after-sales', name: 'after-sales', component: () => import('./pages/AfterSales.vue'), meta: { title: '售后', icon: 'RefreshLeft', roles: ['operations'] } },
  { path: '/withdrawals', name: 'withdrawals', component: () => import('./pages/Withdrawals.vue'), meta: { title: '提现审核', icon: 'CreditCard', roles: ['finance'] } },
  { path: '/finance', name: 'finance', component: () => import('./pages/Finance.vue'), meta: { title: '财务', icon: 'Money', roles: ['finance'] } },
  { path: '/settings', name: 'settings', component: () => import('./pages/Settings.vue'), meta: { title: '设置', icon: 'Setting', roles: ['owner'] } },
  { path: '/dead-letters', name: 'dead-letters', component: () => import('./pages/DeadLetters.vue'), meta: { title: '推送死信', icon: 'Message', roles: ['operations'] } },
  { path: '/jobs', name: 'jobs', component: () => import('./pages/Jobs.vue'), meta: { title: '任务', icon: 'Timer', roles: ['operations'] } },
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
  if (!allowed(to.meta.roles)) {
    const first = pages.find((p) => allowed(p.meta?.roles));
    return first && first.name !== to.name ? { name: first.name as string } : true;
  }
  return true;
});

router.afterEach((to) => {
  document.title = `${to.meta.title ?? ''} · 团购商家后台`;
});
