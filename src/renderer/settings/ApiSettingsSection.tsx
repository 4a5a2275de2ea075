import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiSettings } from '../../shared/contract';
import { messageOf } from '../lib/errors';
import { ConfirmDialog } from '../library/Dialogs';
import { copyText, parseOrigin, renewBrowserSession } from './clipboard';

function CopyButton({ text, what }: { text: string | null; what: string }) {
  const [done, setDone] = useState<'copied' | 'failed' | null>(null);
  return (
    <button
      type="button"
      className="button small"
      disabled={!text}
      aria-label={`Copy the ${what}`}
      onClick={async () => {
        setDone((await copyText(text ?? '')) ? 'copied' : 'failed');
        setTimeout(() => setDone(null), 1500);
      }}
    >
      {done === 'copied' ? 'Copied' : done === 'failed' ? 'Copy failed' : 'Copy'}
    </button>
  );
}

function Origins({ api, save }: { api: ApiSettings; save: (origins: string[]) => Promise<unknown> }) {
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  const add = async (e: FormEvent) => {
    e.preventDefault();
    const parsed = parseOrigin(draft);
    if ('error' in parsed) return setError(parsed.error);
    if (api.allowedOrigins.includes(parsed.origin)) return setError(`${parsed.origin} is already allowed.`);
    try {
      await save([...api.allowedOrigins, parsed.origin]);
      setDraft('');
      setError(null);
    } catch (err) {
      setError(messageOf(err));
    }
  };
  return (
    <div className="origins">
      {api.allowedOrigins.length === 0 ? <p className="muted small">None: browsers on other sites cannot call the API (CORS closed).</p> : null}
      <ul aria-label="Allowed origins">
        {api.allowedOrigins.map((o) => (
          <li key={o}>
            <code>{o}</code>
            <button
              type="button"
              className="button ghost small"
              aria-label={`Remove ${o}`}
              onClick={() => void save(api.allowedOrigins.filter((x) => x !== o)).catch((err) => setError(messageOf(err)))}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form className="origin-form" onSubmit={add}>
        <input aria-label="New allowed origin" placeholder="http://localhost:3000" value={draft} onChange={(e) => setDraft(e.target.value)} />
        <button type="submit" className="button small">
          Allow
        </button>
      </form>
      {error ? (
        <p className="error-text" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** Settings → Local API: on/off, address, token (reveal, copy, regenerate) and allowed origins. */
export function ApiSettingsSection({ headless }: { headless: boolean }) {
  const queries = useQueryClient();
  const api = useQuery({ queryKey: ['settings.api'], queryFn: () => window.loupe.call('settings.api.get', {}), retry: 0 });
  const [reveal, setReveal] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const apply = (next: ApiSettings) => {
    queries.setQueryData(['settings.api'], next);
    void queries.invalidateQueries({ queryKey: ['app.info'] });
  };
  // A toggle shows what was asked for until the main process answers: a checkbox that snaps back
  // while the server starts looks like a click that did nothing.
  const [asked, setAsked] = useState<{ enabled?: boolean; lobeConnect?: boolean }>({});
  const set = useMutation({
    mutationFn: (change: { enabled?: boolean; allowedOrigins?: string[]; lobeConnect?: boolean }) => window.loupe.call('settings.api.set', change),
    onSuccess: apply,
    onSettled: () => setAsked({}),
  });
  const toggle = (change: { enabled: boolean } | { lobeConnect: boolean }) => {
    setAsked(change);
    set.mutate(change, { onError: (err) => setNotice(messageOf(err)) });
  };

  if (api.isError) return <p className="muted">The API settings are not available ({messageOf(api.error)}).</p>;
  const a = api.data;
  if (!a) return <p className="muted">Reading the API settings…</p>;

  const regenerate = async () => {
    const next = await window.loupe.call('settings.api.regenerateToken', {});
    await renewBrowserSession(next.token);
    apply(next);
    setReveal(true);
    setNotice('A new token is in place. Programs that used the old one must be given this one.');
  };

  return (
    <>
      <dl>
        <div className="settings-row">
          <dt>
            <label htmlFor="api-enabled">Serve the local API</label>
          </dt>
          <dd>
            <input
              id="api-enabled"
              type="checkbox"
              checked={asked.enabled ?? a.enabled}
              disabled={headless || set.isPending}
              onChange={(e) => toggle({ enabled: e.target.checked })}
            />{' '}
            <span className="muted small">
              {headless ? 'Always on in `loupe serve`: it also carries this page.' : a.enabled ? 'On, loopback only.' : 'Off.'}
            </span>
          </dd>
        </div>
        <div className="settings-row">
          <dt>Address</dt>
          <dd className="settings-value">
            <code data-testid="api-url">{a.url ?? (a.enabled ? 'starting…' : 'not listening')}</code>
            <CopyButton text={a.url} what="address" />
          </dd>
        </div>
        <div className="settings-row">
          <dt>Token</dt>
          <dd className="settings-value">
            <code data-testid="api-token" className={reveal ? undefined : 'masked'} aria-label={reveal ? 'API token' : 'API token (hidden)'}>
              {reveal ? a.token : '•'.repeat(Math.min(32, a.token.length))}
            </code>
            <button type="button" className="button small" aria-pressed={reveal} onClick={() => setReveal(!reveal)}>
              {reveal ? 'Hide' : 'Reveal'}
            </button>
            <CopyButton text={a.token} what="token" />
            <button type="button" className="button small" onClick={() => setConfirm(true)}>
              Regenerate…
            </button>
          </dd>
        </div>
        {a.url ? (
          <div className="settings-row">
            <dt>Try it</dt>
            <dd>
              <code>{`curl -H "Authorization: Bearer ${reveal ? a.token : 'TOKEN'}" ${a.url}/v1/datasets`}</code>
            </dd>
          </div>
        ) : null}
        <div className="settings-row">
          <dt>
            <label htmlFor="lobe-connect">Lobe Connect</label>
          </dt>
          <dd>
            <input
              id="lobe-connect"
              type="checkbox"
              checked={asked.lobeConnect ?? a.lobeConnect.enabled}
              disabled={set.isPending}
              aria-describedby="lobe-connect-what"
              onChange={(e) => toggle({ lobeConnect: e.target.checked })}
            />{' '}
            <span className="muted small" data-testid="lobe-connect-state">
              {a.lobeConnect.url ? `On: ${a.lobeConnect.url}` : a.lobeConnect.enabled ? (a.lobeConnect.error ?? 'starting…') : 'Off.'}
            </span>
            <p id="lobe-connect-what" className="muted small">
              Opens a second address, http://127.0.0.1:38100 (this machine only), that answers <code>POST /predict/MODEL-ID</code> the way Lobe&apos;s app did,{' '}
              <strong>without a token</strong>, so Lobe&apos;s Python SDK and samples work unchanged. Any program on this computer, and web pages served from
              localhost or an allowed origin, can then classify pictures with your models; nothing else (datasets, pictures, settings) is reachable there.
            </p>
          </dd>
        </div>
        <div className="settings-row">
          <dt>Allowed origins</dt>
          <dd>
            <Origins api={a} save={(allowedOrigins) => set.mutateAsync({ allowedOrigins })} />
          </dd>
        </div>
      </dl>
      {notice ? (
        <p className="small" role="status">
          {notice}
        </p>
      ) : null}
      <ConfirmDialog
        open={confirm}
        onOpenChange={setConfirm}
        title="Regenerate the API token?"
        body="The current token stops working at once, for every program that uses it."
        confirmText="Regenerate"
        onConfirm={regenerate}
      />
    </>
  );
}
