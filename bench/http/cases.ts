/** The four requests every HTTP benchmark sends: the same bodies and paths for every server and every measure. */
const ECHO_BODY = JSON.stringify({
  id: 'a1b2c3',
  name: 'x'.repeat(200),
  tags: Array.from({ length: 20 }, (_, i) => `tag-${i}`),
  nested: { a: 1, b: [1, 2, 3], c: { d: 'e'.repeat(300) } },
  pad: 'p'.repeat(240),
});

export const CASES: Record<string, { path: string; method?: string; body?: string }> = {
  hello: { path: '/hello' },
  param: { path: '/users/12345' },
  echo: { path: '/echo', method: 'POST', body: ECHO_BODY },
  // The last route of the 100-route REST table.
  rest: { path: '/r19/12345/sub/678' },
};
