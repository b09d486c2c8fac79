import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import type { Deps } from '../deps.ts';
import { shareKeys } from './keys.ts';

/** What a share scene stands for; the scene itself is a short id of it (≤ 32 characters, WeChat's limit). */
export interface SceneContent {
  communityId?: string;
  productId?: string;
  leaderId?: string;
  inviterCode?: string;
}

/** A scene as clients send it: what `storeScene` makes (`s` + 20 hex), or any short visible id. */
export const sceneSchema = () => z.string().check(z.minLength(1), z.maxLength(32), z.regex(/^[A-Za-z0-9_-]+$/));

const FIELDS = ['communityId', 'productId', 'leaderId', 'inviterCode'] as const;

const canonical = (c: SceneContent): SceneContent => Object.fromEntries(FIELDS.filter((f) => c[f] !== undefined).map((f) => [f, c[f]])) as SceneContent;

/** The scene of a content: the same content always gives the same scene (21 characters). */
export function sceneOf(content: SceneContent): string {
  const json = JSON.stringify(canonical(content));
  return `s${createHash('sha256').update(`groupbuy/scene/v1|${json}`).digest('hex').slice(0, 20)}`;
}

/** Stores the scene's content once (a second store of the same content changes nothing) and answers the scene. */
export async function storeScene(deps: Deps, content: SceneContent): Promise<string> {
  const scene = sceneOf(content);
  await deps.store.write({
    type: 'update',
    key: shareKeys.scene(scene),
    update: { setIfAbsent: { ...canonical(content), createdAt: toBizIso(deps.clock.now()) } },
  });
  return scene;
}

/** The content of a stored scene; undefined when unknown. */
export async function sceneContent(deps: Deps, scene: string): Promise<SceneContent | undefined> {
  if (!sceneSchema().safeParse(scene).success) return undefined;
  const item = await deps.store.get(shareKeys.scene(scene));
  if (!item) return undefined;
  return canonical(Object.fromEntries(FIELDS.filter((f) => typeof item[f] === 'string').map((f) => [f, String(item[f])])) as SceneContent);
}

/** GET /share/resolve: the landing data of a scene; an unknown scene is NOT_FOUND. */
export async function resolveScene(deps: Deps, scene: string): Promise<SceneContent> {
  const content = await sceneContent(deps, scene);
  if (!content) throw new AppError('NOT_FOUND', 'no such share scene', { scene });
  return content;
}
