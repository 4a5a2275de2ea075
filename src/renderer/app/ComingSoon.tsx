import type { PageInfo } from './pages';

export function ComingSoon({ page }: { page: PageInfo }) {
  return (
    <section className="page coming-soon" aria-labelledby="page-title">
      <h1 id="page-title">{page.title}</h1>
      <p className="muted">{page.blurb}</p>
      <p className="pill">coming soon — issue {page.comingIn}</p>
    </section>
  );
}
