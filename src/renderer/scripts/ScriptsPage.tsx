import { useEffect, useRef, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { SavedScript, ScriptTemplate } from '../../shared/contract';
import { messageOf } from '../lib/errors';
import { OutputConsole } from './OutputConsole';
import { ScheduleField } from './ScheduleField';
import { ScriptEditor, type ScriptEditorHandle } from './ScriptEditor';
import { useScriptRun } from './useScriptRun';
import { useScriptDraft } from './useScriptDraft';
import { NameDialog } from '../library/Dialogs';
import './scripts.css';

interface Draft {
  /** null: not saved yet. */
  id: string | null;
  name: string;
  source: string;
  /** Changes the editor instance when another script opens. */
  key: number;
  dirty: boolean;
}

const BLANK = `# Prints go to the output below; Ctrl+Enter runs.
import "loupe" as loupe

for ds in loupe.datasets() {
    print(ds["name"], ds["imageCount"])
}
`;

let nextKey = 1;
const draftOf = (s: { id?: string; name: string; source: string }): Draft => ({
  id: s.id ?? null,
  name: s.name,
  source: s.source,
  key: nextKey++,
  dirty: false,
});

export function ScriptsPage() {
  const queries = useQueryClient();
  const list = useQuery({ queryKey: ['scripts.list'], queryFn: () => window.loupe.call('scripts.list', {}) });
  const templates = useQuery({ queryKey: ['scripts.templates'], queryFn: () => window.loupe.call('scripts.templates', {}), staleTime: Infinity });
  const [draft, setDraft] = useState<Draft>(() => draftOf({ name: 'Untitled script', source: BLANK }));
  const [problem, setProblem] = useState<string | null>(null);
  const [naming, setNaming] = useState(false);
  const stored = useScriptDraft();
  // The editor opens on the draft kept from the last visit (or restart), once it is read.
  useEffect(() => {
    if (stored.restored) setDraft({ ...draftOf({ ...stored.restored, id: stored.restored.id ?? undefined }), dirty: stored.restored.dirty });
  }, [stored.restored]);
  const keep = (d: Draft, source = editor.current?.getSource() ?? d.source) => stored.keep({ id: d.id, name: d.name, source, dirty: d.dirty });
  const editor = useRef<ScriptEditorHandle>(null);
  const { view, run, stop, clear } = useScriptRun();
  const saved = list.data?.items.find((s) => s.id === draft.id) ?? null;

  const refresh = () => queries.invalidateQueries({ queryKey: ['scripts.list'] });
  const attempt = async (fn: () => Promise<void>) => {
    setProblem(null);
    try {
      await fn();
    } catch (err) {
      setProblem(messageOf(err));
    }
  };

  const saveAs = async (name: string) => {
    const source = editor.current?.getSource() ?? draft.source;
    const s = await window.loupe.call('scripts.save', { ...(draft.id ? { id: draft.id } : {}), name, source });
    const next = { ...draft, id: s.id, name: s.name, source, dirty: false };
    setDraft(next);
    keep(next, source);
    await refresh();
  };
  // A script saved for the first time is named first (Save asks; Ctrl+S too).
  const save = () => (draft.id ? attempt(() => saveAs(draft.name)) : (setNaming(true), Promise.resolve()));
  const open = (s: SavedScript | ScriptTemplate, fromTemplate = false) => {
    if (draft.dirty && !window.confirm(`Discard the unsaved changes to “${draft.name}”?`)) return;
    const next = draftOf(fromTemplate ? { name: s.name, source: s.source } : s);
    setDraft(next);
    keep(next, next.source);
    setProblem(null);
  };
  const remove = () =>
    attempt(async () => {
      if (!draft.id || !window.confirm(`Delete the script “${draft.name}”? This cannot be undone.`)) return;
      await window.loupe.call('scripts.delete', { id: draft.id });
      const next = draftOf({ name: 'Untitled script', source: BLANK });
      setDraft(next);
      keep(next, next.source);
      await refresh();
    });
  const format = () =>
    attempt(async () => {
      const { source } = await window.loupe.call('scripts.format', { source: editor.current?.getSource() ?? '' });
      editor.current?.setSource(source);
    });
  const running = view.state !== 'idle';

  return (
    <section className="page scripts-page" aria-labelledby="page-title">
      <aside className="scripts-side">
        <h1 id="page-title" className="visually-hidden">
          Scripts
        </h1>
        <div className="labels-head">Saved scripts</div>
        <ul aria-label="Saved scripts">
          {(list.data?.items ?? []).map((s) => (
            <li key={s.id}>
              <button type="button" className="label-item" aria-pressed={s.id === draft.id} onClick={() => open(s)}>
                <span className="label-name">{s.name}</span>
                {s.schedule?.enabled && (
                  <span className="muted small" title={`Runs on ${s.schedule.cron}`}>
                    ⏱
                  </span>
                )}
                {s.schedule?.paused && (
                  <span className="error small" title={s.schedule.paused.reason} aria-label="Schedule paused">
                    ⚠
                  </span>
                )}
              </button>
            </li>
          ))}
          {list.data?.items.length === 0 && <li className="muted small labels-empty">None yet.</li>}
        </ul>
        <button type="button" className="button small new-label" onClick={() => open({ name: 'Untitled script', source: BLANK } as ScriptTemplate, true)}>
          New script
        </button>
        <div className="labels-head">Templates</div>
        <ul aria-label="Templates">
          {(templates.data?.items ?? []).map((t) => (
            <li key={t.id}>
              <button type="button" className="label-item" title={t.description} onClick={() => open(t, true)}>
                <span className="label-name">{t.name}</span>
              </button>
            </li>
          ))}
        </ul>
      </aside>
      <div className="scripts-main">
        <div className="toolbar">
          <input
            className="script-name"
            aria-label="Script name"
            value={draft.name}
            maxLength={200}
            onChange={(e) => {
              const next = { ...draft, name: e.target.value, dirty: true };
              setDraft(next);
              keep(next);
            }}
          />
          {draft.dirty && <span className="muted small">unsaved</span>}
          <span className="spacer" />
          <button type="button" className="button" onClick={() => void format()}>
            Format
          </button>
          <button type="button" className="button" onClick={() => void save()} title="Ctrl+S">
            Save
          </button>
          {draft.id && (
            <button type="button" className="button ghost" onClick={() => void remove()}>
              Delete
            </button>
          )}
          {running ? (
            <button type="button" className="button danger" onClick={() => void stop()} disabled={view.state === 'stopping'}>
              {view.state === 'stopping' ? 'Stopping…' : 'Stop'}
            </button>
          ) : (
            <button type="button" className="button primary" onClick={() => void run(editor.current?.getSource() ?? '', draft.id)} title="Ctrl+Enter">
              Run
            </button>
          )}
        </div>
        {problem && (
          <p className="notice error" role="alert">
            {problem}
          </p>
        )}
        {stored.restored === undefined ? (
          <div className="script-editor" aria-busy="true" />
        ) : (
          <ScriptEditor
            key={draft.key}
            ref={editor}
            label={`Source of ${draft.name}`}
            initialSource={draft.source}
            onChange={(source) => {
              const next = draft.dirty ? draft : { ...draft, dirty: true };
              if (!draft.dirty) setDraft(next);
              keep(next, source);
            }}
            onRun={() => void run(editor.current?.getSource() ?? '', draft.id)}
            onSave={() => void save()}
          />
        )}
        {draft.id && saved ? (
          <ScheduleField key={`${saved.id}:${saved.schedule?.cron ?? ''}`} script={saved} onChanged={refresh} />
        ) : (
          <p className="schedule-row muted small">Save the script to give it a schedule.</p>
        )}
        <OutputConsole view={view} onJump={(l, c) => editor.current?.jumpTo(l, c)} onClear={clear} />
      </div>
      <NameDialog
        open={naming}
        onOpenChange={setNaming}
        title="Save script"
        label="Name"
        initial={draft.name === 'Untitled script' ? '' : draft.name}
        submitText="Save"
        onSubmit={(name) => saveAs(name.trim())}
      />
    </section>
  );
}
