import * as z from 'zod/mini';
import { defineCommand } from '#app/command';
import { userOf } from '#platform/dispatch';
import { STAFF_ROLES } from '#platform/command';
import { staffIdOfSubject } from '#ports/session';
import { createStaff, listStaff, updateStaff } from './records.ts';
import { staffLogin } from './sign-in.ts';
import { confirmWebTicket, createWebTicket, webTicketStatus } from './web-tickets.ts';

const login = () => z.string().check(z.minLength(3), z.maxLength(32), z.regex(/^[A-Za-z0-9._-]+$/));
/** A new password: 10–128 characters (a passphrase is welcome). */
const newPassword = () => z.string().check(z.minLength(10), z.maxLength(128));
const openid = () => z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[A-Za-z0-9_-]+$/));
const staffRoles = () => z.array(z.enum(STAFF_ROLES)).check(z.minLength(1), z.maxLength(STAFF_ROLES.length));
const ticketRef = () => z.string().check(z.minLength(8), z.maxLength(64), z.regex(/^[A-Za-z0-9._-]+$/));

const StaffOut = z.object({
  id: z.string(),
  login: z.optional(z.string()),
  name: z.string(),
  roles: z.array(z.enum(STAFF_ROLES)),
  status: z.enum(['active', 'disabled']),
  openid: z.optional(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
  by: z.optional(z.string()),
});
const StaffSession = z.object({
  token: z.string(),
  expiresAt: z.string(),
  user: z.object({ id: z.string(), roles: z.array(z.string()), staffRoles: z.optional(z.array(z.string())), staffId: z.string(), name: z.string(), login: z.optional(z.string()) }),
});

/** Who did it, for the member's `by`: the staff id of a staff token, else the openid. */
const actor = (userId: string) => staffIdOfSubject(userId) ?? userId;

export const listStaffCommand = defineCommand({
  name: 'admin.staff',
  roles: ['owner'],
  input: z.object({}),
  output: z.array(StaffOut),
  http: { method: 'GET', path: '/admin/staff' },
  run: ({ deps }) => listStaff(deps),
});

export const createStaffCommand = defineCommand({
  name: 'admin.createStaff',
  roles: ['owner'],
  input: z.object({
    login: login(),
    name: z.string().check(z.minLength(1), z.maxLength(40)),
    roles: staffRoles(),
    password: z.optional(newPassword()),
    openid: z.optional(openid()),
  }),
  output: z.object({ ...StaffOut.shape, password: z.optional(z.string()) }),
  http: { method: 'POST', path: '/admin/staff' },
  async run(ctx, input) {
    const { staff, password } = await createStaff(ctx.deps, input, actor(userOf(ctx).userId));
    return { ...staff, ...(password ? { password } : {}) };
  },
});

export const updateStaffCommand = defineCommand({
  name: 'admin.updateStaff',
  roles: ['owner'],
  input: z.object({
    id: z.string().check(z.minLength(1), z.maxLength(64)),
    roles: z.optional(staffRoles()),
    status: z.optional(z.enum(['active', 'disabled'])),
    password: z.optional(newPassword()),
    openid: z.optional(z.nullable(openid())),
  }),
  output: StaffOut,
  http: { method: 'PUT', path: '/admin/staff/{id}' },
  async run(ctx, { id, ...patch }) {
    return updateStaff(ctx.deps, id, patch, actor(userOf(ctx).userId));
  },
});

/** Browser sign-in by password (API.md): the same 401 for a wrong login or password; 5 failures in 15 min → 429. */
export const staffLoginCommand = defineCommand({
  name: 'auth.staffLogin',
  roles: 'public',
  input: z.object({ login: z.string().check(z.minLength(1), z.maxLength(64)), password: z.string().check(z.minLength(1), z.maxLength(128)) }),
  output: StaffSession,
  http: { method: 'POST', path: '/auth/staff-login' },
  run: ({ deps }, input) => staffLogin(deps, input),
});

export const webTicketCommand = defineCommand({
  name: 'auth.webTicket',
  roles: 'public',
  input: z.object({}),
  output: z.object({ ticket: z.string(), scene: z.string(), expiresAt: z.string() }),
  http: { method: 'POST', path: '/auth/web-tickets' },
  run: ({ deps }) => createWebTicket(deps),
});

/** The mini-program confirms a scanned ticket: `{ticket}` is the scene the code carried (or the ticket). */
export const confirmWebTicketCommand = defineCommand({
  name: 'auth.confirmWebTicket',
  roles: ['staff'],
  input: z.object({ ticket: ticketRef() }),
  output: z.object({ confirmed: z.literal(true) }),
  http: { method: 'POST', path: '/auth/web-tickets/{ticket}/confirm' },
  run: (ctx, input) => confirmWebTicket(ctx.deps, input.ticket, userOf(ctx).userId),
});

export const webTicketStatusCommand = defineCommand({
  name: 'auth.webTicketStatus',
  roles: 'public',
  input: z.object({ ticket: ticketRef() }),
  output: z.object({
    status: z.enum(['PENDING', 'CONFIRMED', 'EXPIRED']),
    token: z.optional(z.string()),
    expiresAt: z.optional(z.string()),
    user: z.optional(StaffSession.shape.user),
  }),
  http: { method: 'GET', path: '/auth/web-tickets/{ticket}' },
  run: ({ deps }, input) => webTicketStatus(deps, input.ticket),
});

/** The staff accounts (admin function, owner). */
export const staffAdminCommands = [listStaffCommand, createStaffCommand, updateStaffCommand];
/** Browser sign-in (auth function). */
export const staffAuthCommands = [staffLoginCommand, webTicketCommand, confirmWebTicketCommand, webTicketStatusCommand];
