import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SafeHtml, TemplateError, Templates } from '../../src/main/http';

describe('Templates', () => {
  it('escapes variables by default and prints raw ones on request', () => {
    const t = Templates.compile('<p title="{{ title }}">{{ body }}</p>{{{ html }}}');
    expect(t({ title: '"x" & <y>', body: "<script>alert('x')</script>", html: '<b>ok</b>' })).toBe(
      '<p title="&quot;x&quot; &amp; &lt;y&gt;">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</p><b>ok</b>',
    );
    expect(Templates.compile('{{ x }}')({ x: new SafeHtml('<i>safe</i>') })).toBe('<i>safe</i>');
    expect(Templates.compile('[{{ missing.deep }}]')({})).toBe('[]');
  });

  it('has if/unless/else, each over arrays and objects with @index and parent lookups', () => {
    const t = Templates.compile(
      '{{#if user}}hi {{ user.name }}{{else}}anon{{/if}}|{{#unless items}}none{{/unless}}' +
        '{{#each items}}{{ @index }}:{{ name }}@{{ ../site }}{{#if @last}}.{{else}},{{/if}}{{else}}empty{{/each}}|' +
        '{{#each map}}{{ @key }}={{ this }};{{/each}}',
    );
    expect(t({ user: { name: 'Ada' }, site: 'L', items: [{ name: 'a' }, { name: 'b' }], map: { x: 1, y: 2 } })).toBe('hi Ada|0:a@L,1:b@L.|x=1;y=2;');
    expect(t({ items: [], map: {} })).toBe('anon|noneempty|');
  });

  it('renders partials and layouts, from sources and from a folder, and reports errors with a line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-tpl-'));
    try {
      writeFileSync(join(dir, 'layout.html'), '<html><title>{{ title }}</title><body>{{{ body }}}</body></html>');
      writeFileSync(join(dir, 'row.html'), '<li>{{ name }}</li>');
      writeFileSync(join(dir, 'page.html'), '{{!< layout}}\n<ul>{{#each rows}}{{> row}}{{/each}}</ul>');
      const t = new Templates({ dir });
      expect(t.render('page', { title: 'Routes', rows: [{ name: '<a>' }, { name: 'b' }] })).toBe(
        '<html><title>Routes</title><body><ul><li>&lt;a&gt;</li><li>b</li></ul></body></html>',
      );
      expect(t.render('page', { rows: [] }, { layout: null })).toBe('<ul></ul>');
      expect(() => t.render('../etc/passwd', {})).toThrow(TemplateError);
      const bad = new Templates({ sources: { broken: 'a\nb {{#if x}} c', code: '{{ process.exit() }}' } });
      expect(() => bad.render('broken', {})).toThrow(/line 2/);
      expect(() => bad.render('code', {})).toThrow(/not a variable path/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not read inherited properties', () => {
    expect(Templates.compile('{{ constructor.name }}{{ toString }}')({})).toBe('');
  });
});
