export * from './errors';
export * from './contract';
