// The administrators' users page (/users).
// English decides the keys; German, French and Italian must have exactly
// those keys (the `satisfies` says so). Composed in app/i18n/messages.ts.

export const usersEn = {
  'users.title': 'Users',
  'users.role': 'Role',
  'users.status': 'Status',
  'users.factors': 'Factors',
  'users.disable': 'Disable',
  'users.enable': 'Enable',
  'users.endSessions': 'End all sessions',
  'users.resetFactors': 'Reset factors (forces re-enrolment)',
  'users.changeRole': 'Change role',
} as const;

export const usersDe = {
  'users.title': 'Benutzer',
  'users.role': 'Rolle',
  'users.status': 'Status',
  'users.factors': 'Faktoren',
  'users.disable': 'Sperren',
  'users.enable': 'Freigeben',
  'users.endSessions': 'Alle Sitzungen beenden',
  'users.resetFactors': 'Faktoren zurücksetzen (erzwingt neue Einrichtung)',
  'users.changeRole': 'Rolle ändern',
} satisfies Record<keyof typeof usersEn, string>;

export const usersFr = {
  'users.title': 'Utilisateurs',
  'users.role': 'Rôle',
  'users.status': 'Statut',
  'users.factors': 'Facteurs',
  'users.disable': 'Désactiver',
  'users.enable': 'Activer',
  'users.endSessions': 'Fermer toutes les sessions',
  'users.resetFactors': 'Réinitialiser les facteurs (impose une nouvelle configuration)',
  'users.changeRole': 'Changer le rôle',
} satisfies Record<keyof typeof usersEn, string>;

export const usersIt = {
  'users.title': 'Utenti',
  'users.role': 'Ruolo',
  'users.status': 'Stato',
  'users.factors': 'Fattori',
  'users.disable': 'Disattiva',
  'users.enable': 'Attiva',
  'users.endSessions': 'Termina tutte le sessioni',
  'users.resetFactors': 'Reimposta i fattori (impone una nuova configurazione)',
  'users.changeRole': 'Cambia ruolo',
} satisfies Record<keyof typeof usersEn, string>;
