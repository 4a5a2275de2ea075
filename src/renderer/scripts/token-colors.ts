import { HighlightStyle } from '@codemirror/language';
import { tags as t } from '@lezer/highlight';

/**
 * The editor's token colours per theme, each at least 4.5:1 (WCAG AA for text) against the
 * editor's background in that theme (`--panel` in styles.css). Tested in
 * test/renderer/token-colors.test.ts; CodeMirror's default style (made for light pages)
 * fell to 1.7:1 for keywords in dark mode.
 */
export const EDITOR_BACKGROUND = { light: '#ffffff', dark: '#1e1e1d' } as const;

export const TOKEN_COLORS = {
  light: {
    keyword: '#8a1fa3',
    atom: '#1a5fb4',
    number: '#0b6b55',
    string: '#a3360e',
    comment: '#5c6470',
    def: '#0b4fa8',
    builtin: '#7a4d00',
    function: '#2a4d9b',
    variable: '#1d1d1b',
    operator: '#4a4a46',
    punctuation: '#4a4a46',
  },
  dark: {
    keyword: '#e39af5',
    atom: '#8fc1ff',
    number: '#7fdcc0',
    string: '#ffb38a',
    comment: '#a3a9b3',
    def: '#9cc7ff',
    builtin: '#f2c46d',
    function: '#a9c1ff',
    variable: '#e9e9e4',
    operator: '#c8c8c2',
    punctuation: '#c8c8c2',
  },
} as const;

export type TokenKind = keyof (typeof TOKEN_COLORS)['light'];

/** Tokens read their colour from CSS variables, so one style serves both themes. */
export const loupeHighlight = HighlightStyle.define([
  { tag: t.keyword, color: 'var(--tok-keyword)', fontWeight: '600' },
  { tag: [t.atom, t.bool, t.null], color: 'var(--tok-atom)' },
  { tag: t.number, color: 'var(--tok-number)' },
  { tag: t.string, color: 'var(--tok-string)' },
  { tag: t.comment, color: 'var(--tok-comment)', fontStyle: 'italic' },
  { tag: t.definition(t.variableName), color: 'var(--tok-def)' },
  { tag: t.standard(t.variableName), color: 'var(--tok-builtin)' },
  { tag: t.function(t.variableName), color: 'var(--tok-function)' },
  { tag: t.variableName, color: 'var(--tok-variable)' },
  { tag: t.operator, color: 'var(--tok-operator)' },
  { tag: t.punctuation, color: 'var(--tok-punctuation)' },
]);

/** `--tok-*` declarations for one theme (set on the editor's host element). */
export function tokenVariables(theme: 'light' | 'dark'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(TOKEN_COLORS[theme])) out[`--tok-${k}`] = v;
  return out;
}

/** WCAG contrast ratio of two #rrggbb colours. */
export function contrast(a: string, b: string): number {
  const lum = (hex: string) => {
    const [r, g, bl] = [1, 3, 5].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}
