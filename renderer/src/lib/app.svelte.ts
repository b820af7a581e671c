// App-wide state: which screen is showing, the workspace and its issuers, and a file waiting to
// be verified (dropped anywhere on the window or opened from the menu).
import { tick } from 'svelte';
import { api, type IssuerView, type PickedFile, type WorkspaceInfo } from './studio.ts';

export type Route = 'setup' | 'issue' | 'credentials' | 'achievements' | 'frameworks' | 'clr' | 'verify' | 'endorse' | 'hosts' | 'settings' | 'requests';

export const app = $state({
  route: 'issue' as Route,
  info: null as WorkspaceInfo | null,
  issuers: [] as IssuerView[],
  /** A file to verify as soon as the Verify screen shows. */
  pendingVerify: null as PickedFile | null,
  /** Set by Settings → "Add an issuer": the setup screen starts at the issuer step. */
  addingIssuer: false,
  /** Set by Achievements → "Issue": the Issue screen opens on the roster tab with it chosen. */
  issueAchievement: null as string | null,
  /** Set by the Credentials list or a finished batch: the Hosts screen opens ready to publish it. */
  publishSelection: null as { batchId?: string; credentialIds?: string[] } | null,
  /** Set by a finished batch: the Credentials screen opens filtered to it. */
  credentialsBatch: null as string | null,
  /** Each issuer's status list URL (null: none, so its credentials can't be revoked). */
  statusUrls: {} as Record<string, string | null>,
});

export async function refresh(): Promise<void> {
  const [info, issuers] = await Promise.all([api.workspaceInfo(), api.listIssuers()]);
  app.info = info;
  app.issuers = issuers;
  const urls: Record<string, string | null> = {};
  await Promise.all(issuers.map(async (i) => (urls[i.id] = (await api.statusLists({ issuer: i.id }).catch(() => null))?.baseUrl ?? null)));
  app.statusUrls = urls;
}

/** Shows a screen and moves focus to its title, so keyboard and screen-reader users land there. */
export async function go(route: Route): Promise<void> {
  app.route = route;
  await tick();
  document.getElementById('page-title')?.focus();
  document.querySelector('main')?.scrollTo({ top: 0 });
}

export function verifyFile(file: PickedFile): void {
  app.pendingVerify = file;
  void go('verify');
}
