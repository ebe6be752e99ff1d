// The administrators' users page (/users).
// English decides the keys; German, French and Italian must have exactly
// those keys (the `satisfies` says so). Composed in app/i18n/messages.ts.

export const usersEn = {
  'users.removeMembership': 'Remove membership',
  'users.title': 'Users',
  'users.role': 'Role',
  'users.status': 'Status',
  'users.factors': 'Factors',
  'users.disable': 'Disable',
  'users.enable': 'Enable',
  'users.endSessions': 'End all sessions',
  'users.resetFactors': 'Reset factors (forces re-enrolment)',
  'users.changeRole': 'Change role',
  'users.actions': 'Actions',
  'users.status.active': 'active',
  'users.status.disabled': 'disabled',
  'users.passkeys.one': '{count} passkey',
  'users.passkeys.other': '{count} passkeys',
} as const;

export const usersDe = {
  'users.removeMembership': 'Mitgliedschaft entfernen',
  'users.title': 'Benutzer',
  'users.role': 'Rolle',
  'users.status': 'Status',
  'users.factors': 'Faktoren',
  'users.disable': 'Sperren',
  'users.enable': 'Freigeben',
  'users.endSessions': 'Alle Sitzungen beenden',
  'users.resetFactors': 'Faktoren zurücksetzen (erzwingt neue Einrichtung)',
  'users.changeRole': 'Rolle ändern',
  'users.actions': 'Aktionen',
  'users.status.active': 'aktiv',
  'users.status.disabled': 'gesperrt',
  'users.passkeys.one': '{count} Passkey',
  'users.passkeys.other': '{count} Passkeys',
} satisfies Record<keyof typeof usersEn, string>;

export const usersFr = {
  'users.removeMembership': 'Retirer l’adhésion',
  'users.title': 'Utilisateurs',
  'users.role': 'Rôle',
  'users.status': 'Statut',
  'users.factors': 'Facteurs',
  'users.disable': 'Désactiver',
  'users.enable': 'Activer',
  'users.endSessions': 'Fermer toutes les sessions',
  'users.resetFactors': 'Réinitialiser les facteurs (impose une nouvelle configuration)',
  'users.changeRole': 'Changer le rôle',
  'users.actions': 'Actions',
  'users.status.active': 'actif',
  'users.status.disabled': 'désactivé',
  'users.passkeys.one': '{count} clé d’accès',
  'users.passkeys.other': '{count} clés d’accès',
} satisfies Record<keyof typeof usersEn, string>;

export const usersIt = {
  'users.removeMembership': 'Rimuovere l’appartenenza',
  'users.title': 'Utenti',
  'users.role': 'Ruolo',
  'users.status': 'Stato',
  'users.factors': 'Fattori',
  'users.disable': 'Disattiva',
  'users.enable': 'Attiva',
  'users.endSessions': 'Termina tutte le sessioni',
  'users.resetFactors': 'Reimposta i fattori (impone una nuova configurazione)',
  'users.changeRole': 'Cambia ruolo',
  'users.actions': 'Azioni',
  'users.status.active': 'attivo',
  'users.status.disabled': 'disattivato',
  'users.passkeys.one': '{count} passkey',
  'users.passkeys.other': '{count} passkey',
} satisfies Record<keyof typeof usersEn, string>;
