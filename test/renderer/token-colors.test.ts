import { describe, expect, it } from 'vitest';
import { EditorState } from '@codemirror/state';
import { getIndentation, indentUnit } from '@codemirror/language';
import { contrast, EDITOR_BACKGROUND, TOKEN_COLORS } from '../../src/renderer/scripts/token-colors';
import { loupeLanguage } from '../../src/renderer/scripts/loupe-language';

describe('script editor colours', () => {
  for (const theme of ['light', 'dark'] as const) {
    it(`every token colour is at least 4.5:1 against the ${theme} editor background`, () => {
      for (const [token, color] of Object.entries(TOKEN_COLORS[theme])) {
        const ratio = contrast(color, EDITOR_BACKGROUND[theme]);
        expect({ token, ratio: ratio >= 4.5 }).toEqual({ token, ratio: true });
      }
    });
  }

  it('measures contrast as WCAG does', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
  });
});

describe('script editor indentation', () => {
  const indentAt = (doc: string, line: number) => {
    const state = EditorState.create({ doc, extensions: [loupeLanguage, indentUnit.of('    ')] });
    return getIndentation(state, state.doc.line(line).from);
  };

  it('indents one level inside braces and goes back at the closer', () => {
    expect(indentAt('fn f() {\nx', 2)).toBe(4);
    expect(indentAt('for x in y {\n    if x {\nz', 3)).toBe(8);
    expect(indentAt('fn f() {\n}', 2)).toBe(0);
    expect(indentAt('let s = "{"\nx', 2)).toBe(0);
  });
});
