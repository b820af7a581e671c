import { readFileSync } from 'node:fs';
import type { ClientMetadata } from './oauth.ts';

function productVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * What Laurel Studio tells a host about itself when it registers (RFC 7591; spec-digest §10.1).
 * software_id is fixed for the product and never changes; software_version follows the release.
 * The URLs are the product's public pages: placeholders until the project has its own site,
 * overridable through StudioOptions.publishing.client.
 */
export const LAUREL_CLIENT: ClientMetadata = {
  client_name: 'Laurel Studio',
  client_uri: 'https://laurel-studio.example/',
  logo_uri: 'https://laurel-studio.example/logo.png',
  tos_uri: 'https://laurel-studio.example/terms',
  policy_uri: 'https://laurel-studio.example/privacy',
  software_id: 'f5a8f41b-8a64-4491-acce-86f0658704bd',
  software_version: productVersion(),
};
