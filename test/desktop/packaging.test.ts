import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * electron-builder.yml, read and validated by electron-builder's own code against its own
 * schema (a misspelt fuse would be refused there, not silently ignored at `npm run dist`).
 */
const require = createRequire(import.meta.url);
const ROOT = resolve(import.meta.dirname, '../..');

interface BuilderConfig {
  electronFuses?: Record<string, boolean>;
  [key: string]: unknown;
}
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  getConfig: (dir: string, path: string, options: null) => Promise<BuilderConfig>;
  validateConfiguration: (config: BuilderConfig, log: unknown) => Promise<void>;
};
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };

describe('the packaged app’s Electron fuses', () => {
  it('turn off RunAsNode, NODE_OPTIONS and --inspect, and turn on asar integrity, asar-only loading and cookie encryption', async () => {
    const config = await getConfig(ROOT, 'electron-builder.yml', null);
    await validateConfiguration(config, new DebugLogger(false));
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('the schema check is real: a misspelt fuse is refused', async () => {
    const config = await getConfig(ROOT, 'electron-builder.yml', null);
    const bad = { ...config, electronFuses: { ...config.electronFuses, runAsNod: false } };
    await expect(validateConfiguration(bad, new DebugLogger(false))).rejects.toThrow(/electronFuses/);
  });
});
