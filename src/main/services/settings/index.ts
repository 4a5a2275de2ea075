export { ApiSettingsService, type ApiSettingsChange } from './api-settings';
export { loadOrCreateToken, newToken, resolveToken, writeTokenFile, TOKEN_FILE } from './token-file';
