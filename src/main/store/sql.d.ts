// Migrations are imported as text so they travel inside the bundle (electron-vite and
// Vitest both understand `?raw`); no SQL file has to be found on disk at run time.
declare module '*.sql?raw' {
  const sql: string;
  export default sql;
}
