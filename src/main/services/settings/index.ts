export { ApiSettingsService, type ApiSettingsChange } from './api-settings';
export { loadOrCreateToken, newToken, resolveToken, writeTokenFile, TOKEN_FILE } from './token-file';
export { readServerFile, removeServerFile, writeServerFile, SERVER_FILE, type ServerFile } from './server-file';
