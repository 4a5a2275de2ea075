import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { messageOf } from '../lib/errors';
import './scripts.css';

/** Settings → Granted folders: the only places a script may list, move or copy files. */
export function GrantedFoldersSection() {
  const queries = useQueryClient();
  const folders = useQuery({ queryKey: ['scripts.folders'], queryFn: () => window.loupe.call('scripts.folders.list', {}) });
  const [path, setPath] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  const change = async (method: 'scripts.folders.grant' | 'scripts.folders.revoke', p: string) => {
    setProblem(null);
    try {
      const r = await window.loupe.call(method, { path: p });
      queries.setQueryData(['scripts.folders'], r);
      if (method === 'scripts.folders.grant') setPath('');
    } catch (err) {
      setProblem(messageOf(err));
    }
  };

  return (
    <>
      <h2>Granted folders</h2>
      <p className="muted small">Scripts may read and change files only inside these folders (and their sub-folders).</p>
      <ul className="granted-list" aria-label="Granted folders">
        {(folders.data?.items ?? []).map((f) => (
          <li key={f}>
            <code>{f}</code>
            <button type="button" className="button small ghost" onClick={() => void change('scripts.folders.revoke', f)} aria-label={`Revoke ${f}`}>
              Revoke
            </button>
          </li>
        ))}
        {folders.data?.items.length === 0 && <li className="muted small">No folder is granted yet.</li>}
      </ul>
      <form
        className="granted-add"
        onSubmit={(e) => {
          e.preventDefault();
          if (path.trim()) void change('scripts.folders.grant', path.trim());
        }}
      >
        <input
          value={path}
          onChange={(e) => setPath(e.target.value)}
          placeholder="/home/me/Pictures/Inbox or ~/Inbox"
          aria-label="Folder to grant"
          spellCheck={false}
        />
        <button type="submit" className="button small" disabled={!path.trim()}>
          Grant
        </button>
      </form>
      {problem && (
        <p className="error small" role="alert">
          {problem}
        </p>
      )}
    </>
  );
}
