import { useQuery } from '@tanstack/react-query';

/**
 * Shown on every page while the backbone is missing: nothing can be embedded, trained or
 * predicted until it is installed, and the banner names the one command that installs it.
 */
export function BackboneBanner() {
  const info = useQuery({ queryKey: ['app.info'], queryFn: () => window.loupe.call('app.info', {}) });
  const b = info.data?.backbone;
  if (!b || b.state !== 'missing') return null;
  return (
    <div className="backbone-banner" role="alert" data-testid="backbone-banner">
      <strong>No backbone: Loupe cannot embed, train or predict.</strong> {b.message}
      {b.fix ? (
        <>
          {' '}
          Fix: <code>{b.fix}</code>
        </>
      ) : null}
    </div>
  );
}
