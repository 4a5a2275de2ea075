import { describe, expect, it } from 'vitest';
import { Router } from '../../src/main/http';

function find(r: Router<string>, method: string, path: string) {
  const e = r.find(method, path);
  return e ? { value: e.value, params: r.params(e, path) } : null;
}

describe('Router', () => {
  it('prefers static over pattern params over plain params over wildcards, and backtracks', () => {
    const r = new Router<string>();
    r.add('GET', '/users/new', 'new');
    r.add('GET', '/users/:id(\\d+)', 'numeric');
    r.add('GET', '/users/:name', 'named');
    r.add('GET', '/users/:id/edit', 'edit');
    r.add('GET', '/users/*rest', 'rest');
    r.add('GET', '/u', 'u');
    r.add('GET', '/users', 'users');
    expect(find(r, 'GET', '/users/new')).toEqual({ value: 'new', params: {} });
    expect(find(r, 'GET', '/users/42')).toEqual({ value: 'numeric', params: { id: '42' } });
    expect(find(r, 'GET', '/users/ada')).toEqual({ value: 'named', params: { name: 'ada' } });
    expect(find(r, 'GET', '/users/new/edit')).toEqual({ value: 'edit', params: { id: 'new' } });
    expect(find(r, 'GET', '/users/a/b/c')).toEqual({ value: 'rest', params: { rest: 'a/b/c' } });
    expect(find(r, 'GET', '/u')?.value).toBe('u');
    expect(find(r, 'GET', '/users')?.value).toBe('users');
    expect(find(r, 'GET', '/us')).toBeNull();
    expect(find(r, 'GET', '/users/')?.value).toBe('rest');
  });

  it('matches per method, falls back HEAD to GET, and reports allowed methods', () => {
    const r = new Router<string>();
    r.add('GET', '/a/:id', 'get');
    r.add('POST', '/a/new', 'post-new');
    r.add('DELETE', '/a/:id', 'del');
    expect(find(r, 'GET', '/a/new')).toEqual({ value: 'get', params: { id: 'new' } });
    expect(find(r, 'HEAD', '/a/1')?.value).toBe('get');
    expect(find(r, 'PUT', '/a/1')).toBeNull();
    expect(r.allowed('/a/1').sort()).toEqual(['DELETE', 'GET', 'HEAD']);
    expect(r.allowed('/a/new').sort()).toEqual(['DELETE', 'GET', 'HEAD', 'POST']);
    expect(r.allowed('/b')).toEqual([]);
  });

  it('applies trailing-slash and case policies', () => {
    const strict = new Router<string>({ trailingSlash: 'strict' });
    strict.add('GET', '/a', 'a');
    expect(find(strict, 'GET', '/a/')).toBeNull();
    const ignore = new Router<string>({ trailingSlash: 'ignore', caseSensitive: false });
    ignore.add('GET', '/Items/:Id', 'items');
    expect(find(ignore, 'GET', '/items/AbC/')).toEqual({ value: 'items', params: { Id: 'AbC' } });
    const redirect = new Router<string>();
    redirect.add('GET', '/docs/', 'docs');
    expect(redirect.alternate('GET', '/docs')).toBe('/docs/');
  });

  it('rejects duplicate and malformed patterns at registration', () => {
    const r = new Router<string>();
    r.add('GET', '/x/:id', 'x');
    expect(() => r.add('GET', '/x/:other', 'y')).toThrow(/twice/);
    expect(() => r.add('GET', 'no-slash', 'z')).toThrow(/start with/);
    expect(() => r.add('GET', '/f/:name.png', 'z')).toThrow(/whole path segment/);
    expect(() => r.add('GET', '/w/*rest/more', 'z')).toThrow(/wildcard/);
  });

  it('finds the right route among a thousand', () => {
    const r = new Router<string>();
    for (let i = 0; i < 200; i++) {
      r.add('GET', `/res${i}`, `list${i}`);
      r.add('GET', `/res${i}/search`, `search${i}`);
      r.add('GET', `/res${i}/:id`, `get${i}`);
      r.add('GET', `/res${i}/:id/sub`, `sub${i}`);
      r.add('GET', `/res${i}/:id/sub/:subId`, `subget${i}`);
    }
    expect(r.routes.length).toBe(1000);
    for (const i of [0, 7, 19, 123, 199]) {
      expect(find(r, 'GET', `/res${i}`)?.value).toBe(`list${i}`);
      expect(find(r, 'GET', `/res${i}/search`)?.value).toBe(`search${i}`);
      expect(find(r, 'GET', `/res${i}/9`)).toEqual({ value: `get${i}`, params: { id: '9' } });
      expect(find(r, 'GET', `/res${i}/9/sub/x`)).toEqual({ value: `subget${i}`, params: { id: '9', subId: 'x' } });
    }
    expect(find(r, 'GET', '/res200')).toBeNull();
  });
});
