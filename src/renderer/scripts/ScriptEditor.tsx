import { forwardRef, useEffect, useImperativeHandle, useRef, useState } from 'react';
import { basicSetup } from 'codemirror';
import { EditorView, keymap } from '@codemirror/view';
import { EditorSelection } from '@codemirror/state';
import { autocompletion } from '@codemirror/autocomplete';
import { linter, lintGutter } from '@codemirror/lint';
import { indentUnit, syntaxHighlighting } from '@codemirror/language';
import { loupeCompletions, loupeLanguage, toEditorDiagnostics } from './loupe-language';
import { loupeHighlight, tokenVariables } from './token-colors';

const DARK = '(prefers-color-scheme: dark)';

/** Chrome that follows the app's theme variables (CodeMirror's own base theme is light only). */
const chrome = EditorView.theme({
  '.cm-gutters': { backgroundColor: 'var(--sunken)', color: 'var(--muted)', borderRightColor: 'var(--line)' },
  '.cm-activeLine, .cm-activeLineGutter': { backgroundColor: 'var(--accent-soft)' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--text)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': { backgroundColor: 'var(--accent-soft)' },
});

/** The OS theme, followed live: the token colours change with it. */
function useTheme(): 'light' | 'dark' {
  const [dark, setDark] = useState(() => window.matchMedia(DARK).matches);
  useEffect(() => {
    const m = window.matchMedia(DARK);
    const on = () => setDark(m.matches);
    m.addEventListener('change', on);
    return () => m.removeEventListener('change', on);
  }, []);
  return dark ? 'dark' : 'light';
}

export interface ScriptEditorHandle {
  /** Puts the cursor at a 1-based position and shows it. */
  jumpTo(line: number, column: number): void;
  getSource(): string;
  setSource(source: string): void;
}

interface Props {
  initialSource: string;
  onChange: (source: string) => void;
  onRun: () => void;
  onSave: () => void;
  label: string;
}

/** The CodeMirror 6 editor of the Scripts page; diagnostics come from the real parser through the contract. */
export const ScriptEditor = forwardRef<ScriptEditorHandle, Props>(function ScriptEditor({ initialSource, onChange, onRun, onSave, label }, ref) {
  const host = useRef<HTMLDivElement>(null);
  const theme = useTheme();
  const view = useRef<EditorView | null>(null);
  // The latest callbacks, without rebuilding the editor each render.
  const cb = useRef({ onChange, onRun, onSave });
  cb.current = { onChange, onRun, onSave };

  useEffect(() => {
    const v = new EditorView({
      parent: host.current!,
      doc: initialSource,
      extensions: [
        keymap.of([
          { key: 'Mod-Enter', run: () => (cb.current.onRun(), true) },
          { key: 'Mod-s', run: () => (cb.current.onSave(), true), preventDefault: true },
        ]),
        basicSetup,
        syntaxHighlighting(loupeHighlight),
        chrome,
        indentUnit.of('    '),
        loupeLanguage,
        autocompletion({ override: [loupeCompletions] }),
        lintGutter(),
        linter(
          async (ev) => {
            try {
              const { diagnostics, more } = await window.loupe.call('scripts.check', { source: ev.state.doc.toString() });
              const shown = toEditorDiagnostics(ev, diagnostics);
              // The check sends the first 100; say how many more there are, at the last one shown.
              const last = shown[shown.length - 1];
              if (more > 0 && last)
                shown.push({ from: last.from, to: last.to, severity: 'info', message: `${more} more problem${more === 1 ? '' : 's'} not shown.` });
              return shown;
            } catch {
              return [];
            }
          },
          { delay: 350 },
        ),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) cb.current.onChange(u.state.doc.toString());
        }),
        EditorView.contentAttributes.of({ 'aria-label': label }),
      ],
    });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
    // The editor is built once per script (the page keys it by script).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useImperativeHandle(ref, () => ({
    jumpTo(line, column) {
      const v = view.current;
      if (!v) return;
      const doc = v.state.doc;
      const l = doc.line(Math.min(Math.max(1, line), doc.lines));
      const pos = Math.min(l.to, l.from + Math.max(0, column - 1));
      v.dispatch({ selection: EditorSelection.cursor(pos), effects: EditorView.scrollIntoView(pos, { y: 'center' }) });
      v.focus();
    },
    getSource: () => view.current?.state.doc.toString() ?? '',
    setSource(source) {
      const v = view.current;
      if (v) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: source } });
    },
  }));

  return <div className="script-editor" ref={host} data-testid="script-editor" data-theme={theme} style={tokenVariables(theme)} />;
});
