// The custom roles page: each role as a form (name, permission checkboxes,
// save), a delete button for roles nobody holds, and a form for a new one.
import type { Context } from 'hono';
import type { AppEnv } from '../http/context.ts';
import { CsrfField, renderPage } from '../http/layout.tsx';
import { countedKey, type Translate } from '../i18n/index.ts';
import type { MessageKey } from '../i18n/messages.ts';
import { customerPermissionKeys, type CustomRole } from './schema.ts';

function PermissionBoxes({ t, idPrefix, held }: { t: Translate; idPrefix: string; held: readonly string[] }) {
  return (
    <fieldset>
      <legend>{t('roles.permissions')}</legend>
      {customerPermissionKeys.map((key) => (
        <div>
          <input type="checkbox" id={`${idPrefix}-${key}`} name={`p:${key}`} value="on" checked={held.includes(key)} />{' '}
          <label for={`${idPrefix}-${key}`}>{t(`roles.permission.${key}` as MessageKey)}</label>
        </div>
      ))}
    </fieldset>
  );
}

export function rolesPage(c: Context<AppEnv>, roles: CustomRole[]) {
  const t = c.get('t');
  const csrf = c.get('csrfToken');
  return renderPage(c, t('roles.title'), (
    <>
      <p>{t('roles.intro')}</p>
      {roles.length === 0 ? <p>{t('roles.none')}</p> : null}
      {roles.map((role) => (
        <section aria-labelledby={`role-${role.roleId}`} data-role-id={role.roleId}>
          <h2 id={`role-${role.roleId}`}>{role.name}</h2>
          <p>{t(countedKey(c.get('locale'), 'roles.members', role.members), { count: String(role.members) })}</p>
          <form method="post" action={`/roles/${role.roleId}`}>
            <CsrfField token={csrf} />
            <label for={`name-${role.roleId}`}>{t('roles.name')}</label>{' '}
            <input id={`name-${role.roleId}`} name="name" value={role.name} required maxlength={100} />
            <PermissionBoxes t={t} idPrefix={role.roleId} held={role.permissions} />
            <button type="submit">{t('roles.save')}</button>
          </form>
          {role.members === 0 ? (
            <form method="post" action={`/roles/${role.roleId}/delete`}>
              <CsrfField token={csrf} />
              <button type="submit" class="danger">{t('roles.delete')}</button>
            </form>
          ) : <p>{t('roles.deleteHint')}</p>}
        </section>
      ))}
      <section aria-labelledby="new-role">
        <h2 id="new-role">{t('roles.new')}</h2>
        <form method="post" action="/roles">
          <CsrfField token={csrf} />
          <label for="new-name">{t('roles.name')}</label>{' '}
          <input id="new-name" name="name" required maxlength={100} />
          <PermissionBoxes t={t} idPrefix="new" held={[]} />
          <button type="submit">{t('roles.create')}</button>
        </form>
      </section>
    </>
  ));
}
