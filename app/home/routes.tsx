// The overview page a signed-in user lands on.
import { Hono } from 'hono';
import type { FeatureDeps } from '../feature.ts';
import type { AppEnv } from '../http/context.ts';
import { requireUser } from '../http/guards.ts';
import { renderPage } from '../http/layout.tsx';

export function homeRoutes(_deps: FeatureDeps): Hono<AppEnv> {
  const pages = new Hono<AppEnv>();
  pages.get('/', (c) => {
    const user = requireUser(c);
    const t = c.get('t');
    return renderPage(c, t('home.title'), (
      <>
        <p>{t('home.welcome', { name: user.displayName, role: user.roleName })}</p>
        {user.permissions.has('companies.read') ? <p><a href="/companies">{t('nav.companies')}</a></p> : null}
      </>
    ));
  });
  return pages;
}
