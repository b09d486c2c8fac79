import type { Command } from '#app/command';
import { applicationAdminCommands, applyCommand } from './applications.ts';
import { announceCommand, announcementsCommand, readAnnouncementCommand } from './announcements.ts';
import { materialsCommand, productMaterialCommand, productMaterialsCommand } from './materials.ts';
import { assistedAfterSalesCommands } from './assisted-after-sales.ts';

/** The leader workspace (issue 17 items 1 and 4): the leader's side goes in the verify function, staff's in admin. */
export const workspaceLeaderCommands: Command<any, any>[] = [applyCommand, announcementsCommand, readAnnouncementCommand, materialsCommand, ...assistedAfterSalesCommands];
export const workspaceAdminCommands: Command<any, any>[] = [...applicationAdminCommands, announceCommand, productMaterialCommand, productMaterialsCommand];
