import { useCallback, useEffect, useState } from 'react';
import { Sidebar } from './Sidebar';
import { HelpDialog } from './HelpDialog';
import { ComingSoon } from './ComingSoon';
import { SettingsPage } from './SettingsPage';
import { ConnectionBar } from './ConnectionBar';
import { BackboneBanner } from './BackboneBanner';
import { useLiveUpdates } from './useLiveUpdates';
import { pages, type PageId } from './pages';
import { useRoute } from './useRoute';
import type { Route } from './route';
import { LibraryPage } from '../library/LibraryPage';
import { TrainPage } from '../train/TrainPage';
import { PlayPage } from '../play/PlayPage';
import { TasksPage } from '../tasks/TasksPage';
import { ScriptsPage } from '../scripts/ScriptsPage';
import { useVisionLiveUpdates } from '../train/queries';
import { ReviewMode } from '../review/ReviewMode';
import { reviewQueueOf } from '../review/review-route';

const PAGE_KEY = 'loupe.page';

/** True when a key press belongs to a text field, not to the app's shortcuts. */
export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.isContentEditable || el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT';
}

function initialRoute(): Route {
  const saved = localStorage.getItem(PAGE_KEY);
  return { page: pages.some((p) => p.id === saved) ? (saved as PageId) : 'library' };
}

export function App() {
  const [route, navigate] = useRoute(initialRoute);
  const page = route.page;
  const [help, setHelp] = useState(false);
  // The Library stays mounted behind other pages: it keeps the last Library address it had.
  const [libraryRoute, setLibraryRoute] = useState<Route>(route.page === 'library' ? route : { page: 'library' });
  useEffect(() => {
    if (route.page === 'library') setLibraryRoute(route);
  }, [route]);
  useLiveUpdates();
  useVisionLiveUpdates();

  const go = useCallback((p: PageId) => navigate(p === 'library' ? libraryRoute : { page: p }), [navigate, libraryRoute]);

  // A file dropped beside the drop zone must not replace the app with that file.
  useEffect(() => {
    const stop = (e: DragEvent) => {
      if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
    };
    window.addEventListener('dragover', stop);
    window.addEventListener('drop', stop);
    return () => {
      window.removeEventListener('dragover', stop);
      window.removeEventListener('drop', stop);
    };
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || isTyping(e.target)) return;
      if ((e.key === '?' || e.key === 'F1') && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        setHelp(true);
        return;
      }
      if (e.altKey && !e.ctrlKey && !e.metaKey && /^Digit[1-6]$/.test(e.code)) {
        e.preventDefault();
        go(pages[Number(e.code.slice(5)) - 1].id);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [go]);

  const info = pages.find((p) => p.id === page)!;
  return (
    <div className="app">
      <Sidebar current={page} onGo={go} />
      <main className="content">
        <ConnectionBar />
        <BackboneBanner />
        {/* The Library stays mounted while another page shows, so a running import goes on. */}
        <LibraryPage hidden={page !== 'library' || reviewQueueOf(route) !== null} route={page === 'library' ? route : libraryRoute} onNavigate={navigate} />
        {reviewQueueOf(route) && <ReviewMode datasetId={route.id!} queue={reviewQueueOf(route)!} onNavigate={navigate} />}
        {page === 'settings' ? (
          <SettingsPage />
        ) : page === 'train' ? (
          <TrainPage />
        ) : page === 'play' ? (
          <PlayPage />
        ) : page === 'tasks' ? (
          <TasksPage />
        ) : page === 'scripts' ? (
          <ScriptsPage />
        ) : page !== 'library' ? (
          <ComingSoon page={info} />
        ) : null}
      </main>
      <HelpDialog open={help} onOpenChange={setHelp} />
    </div>
  );
}
